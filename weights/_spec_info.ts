// What the weight loaders need to know about a spec: weighted nodes, edits, flatten shapes.
import type { SpecData, SpecNode } from "../dsl/types.ts";
import { OP_NAMES, OPS } from "../dsl/ops/table.ts";

/** Ops whose nodes own weights, from the op table. */
export const WEIGHTED_OPS: ReadonlySet<string> = new Set(
  OP_NAMES.filter((op) => OPS[op].weights.length > 0),
);

/** True when an `insert()` created the node (its path is new, so no file can hold it). */
export function isInserted(data: SpecData, node: SpecNode): boolean {
  return node.origin > 1 && (data.steps[node.origin - 1]?.call ?? "").startsWith("insert(");
}

/** True when `replace()` or `replaceHead()` put a new layer at the node's path. */
export function isReplaced(data: SpecData, node: SpecNode): boolean {
  return node.origin > 1 && (data.steps[node.origin - 1]?.call ?? "").startsWith("replace");
}

/**
 * For a dense node fed (through relu/dropout only) by a flatten of an `[H, W, C]` map, that
 * shape; otherwise undefined.
 */
export function flattenedFrom(
  data: SpecData,
  shapes: ReadonlyMap<string, readonly number[]>,
  path: string,
): readonly [number, number, number] | undefined {
  const byPath = new Map(data.nodes.map((n) => [n.path, n]));
  let node: SpecNode | undefined = byPath.get(path);
  if (!node || node.op !== "dense") return undefined;
  for (;;) {
    const input = node.inputs[0];
    if (input === undefined) return undefined;
    const prev = byPath.get(input);
    if (!prev) return undefined;
    if (prev.op === "flatten") {
      const shape = shapes.get(prev.inputs[0] ?? "");
      return shape && shape.length === 3 ? shape as [number, number, number] : undefined;
    }
    if (!OPS[prev.op].pointwise) return undefined;
    node = prev;
  }
}
