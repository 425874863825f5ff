import type { Block } from "./block.ts";
import * as edit from "./_edit.ts";
import { type Inference, inferShapes } from "./_infer.ts";
import { ShapeError, SpecError } from "./errors.ts";
import { dense } from "./ops/dense.ts";
import { show } from "./ops/_schema.ts";
import type { Layer } from "./ops/table.ts";
import type { Pattern } from "./pattern.ts";
import type { Shape } from "./shape.ts";
import { Summary } from "./summary.ts";
import type { SpecData, SpecNode } from "./types.ts";
import { validateSpec } from "./_validate.ts";

/**
 * Where `insert()` places a layer: after or before a known path; neither means at the end.
 *
 * @example
 * ```ts
 * import type { InsertAt } from "@graft/graft/dsl";
 * const at: InsertAt<"classifier.6"> = { before: "classifier.6" };
 * ```
 */
export type InsertAt<P extends string> =
  | { readonly after: P; readonly before?: never }
  | { readonly before: P; readonly after?: never }
  | { readonly after?: never; readonly before?: never };

function arg(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  const l = v as Partial<Layer> | Partial<Block> | null;
  if (l?.kind === "block" && typeof l.name === "string") return l.name;
  if (l?.kind === "layer" && typeof l.op === "string") return `${l.op}${show(l.config)}`;
  return show(v);
}

// Specs are immutable: each one's validation and shapes are computed once.
const analyses = new WeakMap<SpecData, Inference>();

/** The shapes of valid data; a `SpecError` for data that is not a spec, a `ShapeError` for misfits. */
function analyse(data: SpecData): Inference {
  let a = analyses.get(data);
  if (!a) {
    const v = validateSpec(data);
    if (!v.ok) throw new SpecError(v.problems);
    a = inferShapes(data);
    analyses.set(data, a);
  }
  if (a.problems.length) throw new ShapeError(a.problems);
  return a;
}

/** A `units`-way dense head; a bad count is an error of the edit step. */
function headLayer(data: SpecData, units: number, call: string): Layer {
  try {
    return dense(units);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    throw new SpecError(
      e.problems.map((p) => ({ ...p, step: `step ${data.steps.length + 1} ${call}` })),
    );
  }
}

/**
 * The parent of a dotted path: all but its last segment (`layer1.0` for `layer1.0.conv1`), or the
 * path itself when it has one segment.
 *
 * @example
 * ```ts
 * import type { ParentOf } from "@graft/graft/dsl";
 * const p: ParentOf<"layer1.0.conv1"> = "layer1.0";
 * ```
 */
export type ParentOf<A extends string> = A extends `${infer H}.${infer T}`
  ? T extends `${string}.${string}` ? `${H}.${ParentOf<T>}` : H
  : A;

/**
 * A model spec: a frozen, serialisable graph of layers with stable dotted paths. Every edit
 * returns a new spec and leaves this one as it was. `P` is the union of known paths and `G`
 * of known groups, so typos in paths fail type checking for zoo models.
 *
 * @example The seed recipe
 * ```ts
 * import { vgg16 } from "@graft/graft/dsl";
 * const spec = vgg16({ inputShape: [32, 32, 3] })
 *   .replaceHead(10)
 *   .drop("classifier.2")
 *   .freeze("features");
 * console.log(spec.summary().trainable); // 119586826
 * ```
 */
export class Spec<P extends string = string, G extends string = string> {
  readonly #data: SpecData;

  /** Wraps spec data (use a zoo function, `sequential()` or `fromJSON()` instead). */
  constructor(data: SpecData) {
    this.#data = edit.deepFreeze(data);
  }

  /** The model name. */
  get name(): string {
    return this.#data.name;
  }

  /** The nodes, in topological order. */
  get nodes(): readonly SpecNode[] {
    return this.#data.nodes;
  }

  /** The pretrained weights the spec starts from (`"imagenet"` or a path), if any. */
  get weights(): string | undefined {
    return this.#data.weights;
  }

  /** The input shape without the batch axis. */
  get inputShape(): Shape {
    return this.#data.input.shape;
  }

  /** Every path, in order. */
  get paths(): readonly P[] {
    return this.#data.nodes.map((n) => n.path as P);
  }

  /** The node at a path, or undefined. */
  node(path: P): SpecNode | undefined {
    return this.#data.nodes.find((n) => n.path === path);
  }

  /**
   * Replaces the head's last dense layer (`classifier.6` for VGG) with a new `units`-way dense
   * layer or the given layer, at the same path.
   */
  replaceHead(head: number | Layer): Spec<P, G> {
    const call = `replaceHead(${arg(head)})`;
    const layer = typeof head === "number" ? headLayer(this.#data, head, call) : head;
    return new Spec(edit.replaceHead(this.#data, layer, call));
  }

  /**
   * Inserts a block as its own group (paths `name.0`, `name.1`, ...), at the end by default.
   * The anchor may be a group: `{ after: "layer4" }` places the block after the group's exit.
   */
  insert<N extends string>(
    what: Block<N>,
    at?: InsertAt<P | G>,
  ): Spec<P | `${N}.${number}`, G | N>;
  /**
   * Inserts one layer next to a path, at the next unused index under the path's parent
   * (`features.31` next to `features.29`, `layer1.0.downsample.2` next to
   * `layer1.0.downsample.1`, `avgpool.0` next to `avgpool`).
   */
  insert<const A extends P>(
    what: Layer,
    at: { readonly after: A; readonly before?: never } | {
      readonly before: A;
      readonly after?: never;
    },
  ): Spec<P | `${ParentOf<A>}.${number}`, G>;
  /** Inserts one layer after the output, at the next unused index of its group. */
  insert(what: Layer, at?: InsertAt<never>): Spec<P | `${G}.${number}`, G>;
  /** Inserts one layer where a computed {@linkcode InsertAt} says. */
  insert(what: Layer, at: InsertAt<P | G>): Spec<P | `${string}.${number}`, G>;
  insert(what: Layer | Block, at: InsertAt<P | G> = {}): Spec<string, string> {
    at = (at ?? {}) as InsertAt<P | G>;
    const where: edit.Where = {
      ...(at.after !== undefined ? { after: at.after } : {}),
      ...(at.before !== undefined ? { before: at.before } : {}),
    };
    const pos = at.after !== undefined
      ? `, { after: ${at.after} }`
      : at.before !== undefined
      ? `, { before: ${at.before} }`
      : "";
    return new Spec(edit.insert(this.#data, what, where, `insert(${arg(what)}${pos})`));
  }

  /**
   * Removes a path (or a whole group), wiring what it fed to what fed it. A number addresses
   * the head group: `drop(2)` is `drop("classifier.2")`. Other paths keep their names.
   */
  drop(index: number): Spec<P, G>;
  /** Removes a path, or every path of a group; the dropped paths leave the known paths. */
  drop<X extends P | G>(target: X): Spec<Exclude<P, X | `${X}.${string}`>, G>;
  drop(target: string | number): Spec<string, G> {
    const path = typeof target === "number" && Number.isInteger(target) && target >= 0
      ? `${this.#data.head}.${target}`
      : target;
    return new Spec(edit.drop(this.#data, path, `drop(${arg(target)})`));
  }

  /** Replaces the layer at a path with another, keeping the path and its wiring. */
  replace(path: P, layer: Layer): Spec<P, G> {
    return new Spec(edit.replace(this.#data, path, layer, `replace(${path}, ${arg(layer)})`));
  }

  /** Freezes every node a pattern matches: their parameters and BatchNorm statistics stay. */
  freeze(pattern: Pattern<P, G>): Spec<P, G> {
    return new Spec(edit.setTrainable(this.#data, pattern, false, `freeze(${pattern})`));
  }

  /** Makes every node a pattern matches trainable again. */
  unfreeze(pattern: Pattern<P, G>): Spec<P, G> {
    return new Spec(edit.setTrainable(this.#data, pattern, true, `unfreeze(${pattern})`));
  }

  /**
   * Runs shape inference over the whole spec. Throws one {@linkcode ShapeError} listing every
   * layer whose input does not fit, each with the edit step that caused it; returns the spec.
   */
  check(): this {
    analyse(this.#data);
    return this;
  }

  /** Output shape of every node (and of `input`); throws {@linkcode ShapeError} on problems. */
  shapes(): ReadonlyMap<string, Shape> {
    return analyse(this.#data).shapes;
  }

  /** The layer table with parameter totals; print it or read its fields. */
  summary(): Summary {
    analyse(this.#data);
    return new Summary(this.#data);
  }

  /** The spec as plain JSON data; `fromJSON()` reads it back exactly. */
  toJSON(): SpecData {
    return this.#data;
  }
}
