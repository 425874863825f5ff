import { SpecError } from "./errors.ts";
import { placed } from "./_node.ts";
import { show } from "./ops/_schema.ts";
import { isParsedConfig } from "./ops/_layer.ts";
import { isOp, type Layer, opDef, parseOpConfig } from "./ops/table.ts";
import { groupOf } from "./pattern.ts";
import { Spec } from "./spec.ts";
import { INPUT, type SpecNode } from "./types.ts";

/**
 * The group of each path in `P`: its first segment (`layer1` for `layer1.0.conv1`).
 *
 * @example
 * ```ts
 * import type { GroupOf } from "@graft/graft/dsl";
 * const g: GroupOf<"layer1.0.conv1" | "fc"> = "layer1";
 * ```
 */
export type GroupOf<P extends string> = P extends `${infer G}.${string}` ? G : P;

/**
 * Options of {@linkcode Graph.node}.
 *
 * @example
 * ```ts
 * import type { NodeOptions } from "@graft/graft/dsl";
 * const join: NodeOptions<"conv2" | "input"> = { from: ["conv2", "input"] };
 * ```
 */
export interface NodeOptions<F extends string> {
  /** The input(s): a path given earlier or `"input"`. Default: the node added last. */
  readonly from?: F | readonly F[];
  /** Whether the node trains. Default true. */
  readonly trainable?: boolean;
}

/**
 * Options of {@linkcode Graph.spec}.
 *
 * @example
 * ```ts
 * import type { GraphSpecOptions } from "@graft/graft/dsl";
 * const o: GraphSpecOptions<"fc" | "pool", "fc" | "pool"> = { output: "fc", head: "fc" };
 * ```
 */
export interface GraphSpecOptions<P extends string, G extends string> {
  /** The node whose output is the model's. Default: the node added last. */
  readonly output?: P;
  /** The group `replaceHead()` and numeric `drop()` address. Default: the output's group. */
  readonly head?: G;
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$/;

/**
 * A spec under construction as a graph: each node has a dotted path of your choosing (such as
 * torchvision's `layer1.0.conv1`) and takes the node added before it, or the nodes named in
 * `from`, so branches and joins (`add`, `concat`) are explicit. Every call returns a new builder;
 * `spec()` makes the {@linkcode Spec}, whose paths and groups are literal types.
 *
 * @example A residual block: two convolutions and a shortcut
 * ```ts
 * import { add, batchNorm, conv2d, dense, flatten, graph, relu } from "@graft/graft/dsl";
 * const spec = graph("tiny_resnet", [8, 8, 3])
 *   .node("stem.conv", conv2d(8, 3, { padding: 1 }))
 *   .node("stem.relu", relu())
 *   .node("block.conv1", conv2d(8, 3, { padding: 1 }))
 *   .node("block.bn1", batchNorm())
 *   .node("block.relu1", relu())
 *   .node("block.conv2", conv2d(8, 3, { padding: 1 }))
 *   .node("block.add", add(), { from: ["block.conv2", "stem.relu"] })
 *   .node("block.relu2", relu())
 *   .node("flatten", flatten())
 *   .node("fc", dense(10))
 *   .spec();
 * spec.freeze("stem"); // "stm" would not compile
 * ```
 */
export class Graph<P extends string = never> {
  readonly #name: string;
  readonly #inputShape: readonly number[];
  readonly #nodes: readonly SpecNode[];

  /** Starts a graph (use {@linkcode graph}). */
  constructor(name: string, inputShape: readonly number[], nodes: readonly SpecNode[] = []) {
    this.#name = name;
    this.#inputShape = Object.freeze([...inputShape]);
    this.#nodes = Object.freeze([...nodes]);
  }

  #fail(call: string, path: string, expected: string, received: string): SpecError {
    return new SpecError([{ step: `graph(${this.#name}).${call}`, path, expected, received }]);
  }

  /** Adds a layer at `path`, fed by `from` (default: the node added last). */
  node<const N extends string>(
    path: N,
    layer: Layer,
    options: NodeOptions<P | "input"> = {},
  ): Graph<P | N> {
    const call = `node(${show(path)})`;
    const known = new Set([INPUT, ...this.#nodes.map((n) => n.path)]);
    if (typeof path !== "string" || !path.split(".").every((s) => SEGMENT.test(s))) {
      throw this.#fail(call, show(path), "a dotted path of identifiers and indices", show(path));
    }
    if (
      known.has(path) ||
      this.#nodes.some((n) => n.path.startsWith(`${path}.`) || path.startsWith(`${n.path}.`))
    ) {
      throw this.#fail(call, path, "a new path, not a prefix of another", `"${path}", in use`);
    }
    const l = layer as Partial<Layer> | null;
    if (l?.kind !== "layer" || typeof l.op !== "string" || !isOp(l.op)) {
      throw this.#fail(call, path, "a layer such as conv2d(64, 3)", show(layer));
    }
    const r = isParsedConfig(l.config, l.op)
      ? { ok: true as const, config: l.config }
      : parseOpConfig(l.op, l.config);
    if (!r.ok) {
      const i = r.issues[0]!;
      throw this.#fail(
        call,
        `${path} (${l.op}) config${i.key ? ` key "${i.key}"` : ""}`,
        i.expected,
        i.received,
      );
    }
    const last = this.#nodes[this.#nodes.length - 1]?.path ?? INPUT;
    const from = options.from === undefined
      ? [last]
      : typeof options.from === "string"
      ? [options.from]
      : [...options.from];
    for (const f of from) {
      if (!known.has(f)) throw this.#fail(call, path, 'inputs added earlier (or "input")', show(f));
    }
    const many = opDef(l.op).inputs === "many";
    if (many ? from.length < 2 : from.length !== 1) {
      throw this.#fail(
        call,
        path,
        many ? `two or more inputs for ${l.op} (from: [a, b])` : `one input for ${l.op}`,
        `${from.length}`,
      );
    }
    const node = placed({ kind: "layer", op: l.op, config: r.config } as Layer, {
      path,
      inputs: from,
      trainable: options.trainable ?? true,
      step: 1,
      origin: 1,
    });
    return new Graph(this.#name, this.#inputShape, [...this.#nodes, node]);
  }

  /** The spec: checked for structure now, for shapes by `check()` as any spec. */
  spec<G extends GroupOf<P> = GroupOf<P>>(
    options: GraphSpecOptions<P, G> = {},
  ): Spec<P, GroupOf<P>> {
    const output = options.output ?? this.#nodes[this.#nodes.length - 1]?.path;
    if (output === undefined) throw this.#fail("spec()", this.#name, "at least one node", "none");
    if (!this.#nodes.some((n) => n.path === output)) {
      throw this.#fail("spec()", show(output), "the path of a node", show(output));
    }
    return new Spec({
      format: "graft.spec/v1",
      name: this.#name,
      input: { shape: this.#inputShape },
      head: options.head ?? groupOf(output),
      nodes: this.#nodes,
      output,
      retired: [],
      steps: [{ index: 1, call: `graph(${this.#name})` }],
    });
  }
}

/**
 * Starts a {@linkcode Graph}: a model as nodes with explicit inputs, for architectures with
 * branches and joins (residual networks). Chains are simpler with `sequential()`.
 *
 * @example
 * ```ts
 * import { conv2d, dense, flatten, graph, relu } from "@graft/graft/dsl";
 * const spec = graph("small", [8, 8, 1])
 *   .node("conv", conv2d(4, 3))
 *   .node("relu", relu())
 *   .node("flatten", flatten())
 *   .node("fc", dense(2))
 *   .spec();
 * console.log(spec.paths); // ["conv", "relu", "flatten", "fc"]
 * ```
 */
export function graph(name: string, inputShape: readonly number[]): Graph {
  return new Graph(name, inputShape);
}
