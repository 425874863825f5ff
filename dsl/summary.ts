import { inferShapes } from "./_infer.ts";
import { ShapeError } from "./errors.ts";
import type { Inputs } from "./ops/_def.ts";
import { opDef } from "./ops/table.ts";
import { formatShape, type Shape } from "./shape.ts";
import type { SpecData } from "./types.ts";

/**
 * One row of a {@linkcode Summary}.
 *
 * @example
 * ```ts
 * import { vgg16 } from "@graft/graft/dsl";
 * const row = vgg16().summary().rows[0]!;
 * console.log(row.path, row.params); // "features.0" 1792
 * ```
 */
export interface SummaryRow {
  /** Node path. */
  readonly path: string;
  /** Layer description, such as `conv2d 3×3/1 → 64`. */
  readonly layer: string;
  /** Output shape without the batch axis. */
  readonly outputShape: Shape;
  /** Trainable-or-frozen parameters of this node. */
  readonly params: number;
  /** Buffers (BatchNorm moving statistics), counted apart from parameters. */
  readonly buffers: number;
  /** Whether the node is trainable. */
  readonly trainable: boolean;
  /** The paths feeding the node (`input` for the model input). */
  readonly inputs: readonly string[];
}

const fmt = (n: number): string => n.toLocaleString("en-US");

/**
 * A layer table like torchinfo's or Keras's, with parameter totals counted as torchvision
 * does: BatchNorm moving statistics are buffers, shown apart. Prints as a table.
 *
 * @example
 * ```ts
 * import { vgg16 } from "@graft/graft/dsl";
 * const s = vgg16().summary();
 * console.log(s.total); // 138357544
 * console.log(s.toString());
 * ```
 */
export class Summary {
  /** The model name. */
  readonly name: string;
  /** The input shape without the batch axis. */
  readonly inputShape: Shape;
  /** One row per node, in order. */
  readonly rows: readonly SummaryRow[];
  /** All parameters. */
  readonly total: number;
  /** Parameters of trainable nodes. */
  readonly trainable: number;
  /** Parameters of frozen nodes. */
  readonly nonTrainable: number;
  /** Buffers: BatchNorm moving means and variances. */
  readonly buffers: number;

  /** Builds the summary of spec data; throws {@linkcode ShapeError} when shapes do not fit. */
  constructor(data: SpecData) {
    const { shapes, problems } = inferShapes(data);
    if (problems.length) throw new ShapeError(problems);
    const rows: SummaryRow[] = data.nodes.map((n) => {
      const def = opDef(n.op);
      const c = def.count(n.config, n.inputs.map((i) => shapes.get(i)!) as unknown as Inputs);
      return {
        path: n.path,
        layer: def.describe(n.config),
        outputShape: shapes.get(n.path)!,
        params: c.params,
        buffers: c.buffers,
        trainable: n.trainable,
        inputs: n.inputs,
      };
    });
    this.name = data.name;
    this.inputShape = data.input.shape;
    this.rows = Object.freeze(rows);
    this.total = rows.reduce((a, r) => a + r.params, 0);
    this.trainable = rows.reduce((a, r) => a + (r.trainable ? r.params : 0), 0);
    this.nonTrainable = this.total - this.trainable;
    this.buffers = rows.reduce((a, r) => a + r.buffers, 0);
    Object.freeze(this);
  }

  /**
   * The table as text. A graph that is not a plain chain gets a "From" column: the paths feeding
   * each node, blank where that is just the row above.
   */
  toString(): string {
    const above = (i: number) => (i === 0 ? "input" : this.rows[i - 1]!.path);
    const chain = this.rows.every((r, i) => r.inputs.length === 1 && r.inputs[0] === above(i));
    const head = [
      "Path",
      "Layer",
      ...(chain ? [] : ["From"]),
      "Output shape",
      "Params",
      "Trainable",
    ];
    const body = this.rows.map((r, i) => [
      r.path,
      r.layer,
      ...(chain
        ? []
        : [r.inputs.length === 1 && r.inputs[0] === above(i) ? "" : r.inputs.join(", ")]),
      formatShape(r.outputShape),
      fmt(r.params),
      r.params === 0 ? "" : r.trainable ? "yes" : "no",
    ]);
    const paramsColumn = head.indexOf("Params");
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === paramsColumn ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd();
    const rule = "─".repeat(widths.reduce((a, w) => a + w + 2, -2));
    return [
      `${this.name} (input ${formatShape(this.inputShape)})`,
      rule,
      line(head),
      rule,
      ...body.map(line),
      rule,
      `Total params: ${fmt(this.total)}`,
      `Trainable params: ${fmt(this.trainable)}`,
      `Non-trainable params: ${fmt(this.nonTrainable)}`,
      `Buffers (BatchNorm moving statistics): ${fmt(this.buffers)}`,
    ].join("\n");
  }

  /** Deno's console prints the table. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}
