// The op table: one definition per op. Adding an op is one file with its definition and layer
// function, one line here, and one entry in each compiler's table (those fail to compile
// without it).
import type { z } from "zod";
import type { OpDef, OpLayer } from "./_def.ts";
import { callText, makeLayer } from "./_layer.ts";
import { type ConfigIssue, parseWith } from "./_schema.ts";
import { addOp } from "./add.ts";
import { adaptiveAvgPool2dOp } from "./adaptive_avg_pool2d.ts";
import { batchNormOp } from "./batch_norm.ts";
import { concatOp } from "./concat.ts";
import { conv2dOp } from "./conv2d.ts";
import { denseOp } from "./dense.ts";
import { dropoutOp } from "./dropout.ts";
import { flattenOp } from "./flatten.ts";
import { globalAvgPool2dOp } from "./global_avg_pool2d.ts";
import { avgPool2dOp, maxPool2dOp } from "./pool2d.ts";
import { reluOp } from "./relu.ts";

/**
 * The type of the op table: each op's name and its definition.
 *
 * @example
 * ```ts
 * import type { OpTable } from "@graft/graft/dsl";
 * type DenseDef = OpTable["dense"];
 * ```
 */
export interface OpTable {
  /** 2-D convolution. */
  readonly conv2d: typeof conv2dOp;
  /** Fully connected layer. */
  readonly dense: typeof denseOp;
  /** Rectified linear unit. */
  readonly relu: typeof reluOp;
  /** Dropout. */
  readonly dropout: typeof dropoutOp;
  /** Max pooling. */
  readonly maxPool2d: typeof maxPool2dOp;
  /** Average pooling. */
  readonly avgPool2d: typeof avgPool2dOp;
  /** Adaptive average pooling (torchvision's bins). */
  readonly adaptiveAvgPool2d: typeof adaptiveAvgPool2dOp;
  /** Global average pooling. */
  readonly globalAvgPool2d: typeof globalAvgPool2dOp;
  /** Flatten, channels last. */
  readonly flatten: typeof flattenOp;
  /** Batch normalisation. */
  readonly batchNorm: typeof batchNormOp;
  /** Element-wise sum of several inputs. */
  readonly add: typeof addOp;
  /** Several inputs joined along the channel axis. */
  readonly concat: typeof concatOp;
}

/**
 * Every op Graft knows, by name: its config schema, shape inference, parameter counts, summary
 * text and weights (see {@linkcode OpDef}).
 *
 * @example
 * ```ts
 * import { OPS } from "@graft/graft/dsl";
 * console.log(Object.keys(OPS).length > 9, OPS.conv2d.inputs); // true "one"
 * ```
 */
export const OPS: OpTable = Object.freeze({
  conv2d: conv2dOp,
  dense: denseOp,
  relu: reluOp,
  dropout: dropoutOp,
  maxPool2d: maxPool2dOp,
  avgPool2d: avgPool2dOp,
  adaptiveAvgPool2d: adaptiveAvgPool2dOp,
  globalAvgPool2d: globalAvgPool2dOp,
  flatten: flattenOp,
  batchNorm: batchNormOp,
  add: addOp,
  concat: concatOp,
});

/**
 * The name of an op: a key of {@linkcode OPS}.
 *
 * @example
 * ```ts
 * import type { Op } from "@graft/graft/dsl";
 * const op: Op = "conv2d";
 * ```
 */
export type Op = keyof OpTable;

/**
 * The config of op `K` as a spec stores it, inferred from its schema.
 *
 * @example
 * ```ts
 * import type { OpConfig } from "@graft/graft/dsl";
 * const c: OpConfig<"dense"> = { units: 10, useBias: true };
 * ```
 */
export type OpConfig<K extends Op> = z.output<OpTable[K]["config"]>;

/**
 * A layer not yet placed in a spec: an op and its config, narrowed by `op`. Made by the layer
 * functions (`conv2d`, `dense`, ...) and placed by `insert()`, `replace()` or `replaceHead()`.
 *
 * @example
 * ```ts
 * import { dense, type Layer } from "@graft/graft/dsl";
 * const head: Layer = dense(10);
 * if (head.op === "dense") console.log(head.config.units); // 10
 * ```
 */
export type Layer<K extends Op = Op> = K extends Op ? OpLayer<K, OpConfig<K>> : never;

/** Every op name, in table order. */
export const OP_NAMES: readonly Op[] = Object.freeze(Object.keys(OPS) as Op[]);

/** True when `name` is an op of the table. */
export function isOp(name: string): name is Op {
  return Object.hasOwn(OPS, name);
}

/**
 * The definition of an op, typed loosely enough to call with any node's config: the one place
 * where a node's `op` and `config` are taken to agree (validating a spec guarantees it).
 */
export function opDef(op: Op): OpDef {
  return OPS[op] as unknown as OpDef;
}

/**
 * Validates a config of `op` as written (in YAML, JSON or code): the normalised config, or every
 * problem with its key and what was expected.
 *
 * @example
 * ```ts
 * import { parseOpConfig } from "@graft/graft/dsl";
 * const r = parseOpConfig("dropout", { rate: 1 });
 * if (!r.ok) console.log(r.issues[0]); // { key: "rate", expected: "a number in [0, 1)", received: "1" }
 * ```
 */
export function parseOpConfig<K extends Op>(
  op: K,
  raw: unknown,
): { ok: true; config: OpConfig<K> } | { ok: false; issues: ConfigIssue[] } {
  return parseWith(OPS[op].config, raw) as { ok: true; config: OpConfig<K> } | {
    ok: false;
    issues: ConfigIssue[];
  };
}

/**
 * A layer of any op from its config as written, such as a YAML file's
 * `{ conv2d: { filters: 32, padding: 1 } }`; a bad config throws one `SpecError` naming each key.
 *
 * @example
 * ```ts
 * import { layer } from "@graft/graft/dsl";
 * const conv = layer("conv2d", { filters: 32, padding: 1 });
 * console.log(conv.config.kernelSize); // [3, 3]
 * ```
 */
export function layer<K extends Op>(op: K, config: unknown = {}): Layer<K> {
  return makeLayer(op, opDef(op), config, callText(op, [config])) as unknown as Layer<K>;
}
