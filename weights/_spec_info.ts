// What the weight loaders need to know about a spec: weighted nodes, edits, flatten shapes.
import type { SpecData, SpecNode } from "../dsl/types.ts";

/** Ops whose nodes own weights. */
export const WEIGHTED_OPS: ReadonlySet<string> = new Set(["conv2d", "dense", "batchNorm"]);

/** Ops that keep the element order of their input (a flatten before them still applies). */
const ORDER_PRESERVING: ReadonlySet<string> = new Set(["relu", "dropout"]);

/** The edit call that last created or rewired a node (`vgg16()`, `insert(...)`, ...). */
export function stepCall(data: SpecData, node: SpecNode): string {
  return data.steps[node.step - 1]?.call ?? "";
}

function groupOf(path: string): string {
  const dot = path.indexOf(".");
  return dot < 0 ? path : path.slice(0, dot);
}

function indexOf(path: string): number {
  const n = Number(path.slice(path.lastIndexOf(".") + 1));
  return Number.isInteger(n) ? n : -1;
}

const insertedCache = new WeakMap<SpecData, ReadonlySet<string>>();

/**
 * Paths that `insert()` created. An insert also rewires one existing node (it gets the same
 * step), so the created nodes are told apart by the call: `insert(name, ...)` adds the group
 * `name`; `insert(op{config}, ...)` adds one node with that op and config, at the group's next
 * free index (the highest among look-alikes).
 */
export function insertedPaths(data: SpecData): ReadonlySet<string> {
  const cached = insertedCache.get(data);
  if (cached) return cached;
  const out = new Set<string>();
  for (const step of data.steps) {
    if (step.index < 2 || !step.call.startsWith("insert(")) continue;
    const rest = step.call.slice("insert(".length);
    const nodes = data.nodes.filter((n) => n.step === step.index);
    const layer = nodes.filter((n) => rest.startsWith(`${n.op}${JSON.stringify(n.config)}`));
    if (layer.length > 0) {
      const pick = layer.reduce((a, b) => (indexOf(b.path) > indexOf(a.path) ? b : a));
      out.add(pick.path);
    } else {
      const name = /^([^,)]+)/.exec(rest)?.[1]?.trim() ?? "";
      for (const n of data.nodes) if (groupOf(n.path) === name) out.add(n.path);
    }
  }
  insertedCache.set(data, out);
  return out;
}

/** True when an `insert()` created the node (its path is new, so no file can hold it). */
export function isInserted(data: SpecData, node: SpecNode): boolean {
  return insertedPaths(data).has(node.path);
}

/** True when `replace()` or `replaceHead()` put a new layer at the node's path. */
export function isReplaced(data: SpecData, node: SpecNode): boolean {
  return node.step > 1 && stepCall(data, node).startsWith("replace");
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
  let node = byPath.get(path);
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
    if (!ORDER_PRESERVING.has(prev.op)) return undefined;
    node = prev;
  }
}
