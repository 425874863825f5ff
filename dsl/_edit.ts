// Pure edits over SpecData: each returns new, deeply frozen data.
import type { Block } from "./block.ts";
import { type Problem, SpecError } from "./errors.ts";
import type { Layer } from "./layers.ts";
import { groupOf, matcher } from "./pattern.ts";
import { INPUT, type SpecData, type SpecNode } from "./types.ts";

/** Where to insert: after or before a path; neither means at the end. */
export interface Where {
  readonly after?: string;
  readonly before?: string;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function fail(data: SpecData, call: string, path: string, expected: string, received: string) {
  const problem: Problem = {
    step: `step ${data.steps.length + 1} ${call}`,
    path,
    expected,
    received,
  };
  return new SpecError([problem]);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j]! + 1,
        row[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The received value, with the closest known path or group when one is near. */
function nearest(data: SpecData, path: string): string {
  const known = new Set(data.nodes.flatMap((n) => [n.path, groupOf(n.path)]));
  const bare = path.replace(/\.\*$/, "");
  let best = "";
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(bare, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  const suffix = path.endsWith(".*") ? ".*" : "";
  return bestDistance <= Math.max(2, Math.floor(bare.length / 4))
    ? `"${path}" (did you mean "${best}${suffix}"?)`
    : `"${path}"`;
}

function find(data: SpecData, call: string, path: string): SpecNode {
  const node = data.nodes.find((n) => n.path === path);
  if (node) return node;
  const received = data.retired.includes(path)
    ? `"${path}" (dropped in an earlier step)`
    : nearest(data, path);
  throw fail(data, call, path, "an existing path", received);
}

function next(data: SpecData, call: string, nodes: readonly SpecNode[], output = data.output) {
  return deepFreeze<SpecData>({
    ...data,
    nodes,
    output,
    steps: [...data.steps, { index: data.steps.length + 1, call }],
  });
}

function rewire(node: SpecNode, from: string, to: readonly string[], step: number): SpecNode {
  if (!node.inputs.includes(from)) return node;
  return { ...node, inputs: node.inputs.flatMap((i) => (i === from ? to : [i])), step };
}

function freeIndex(data: SpecData, group: string): number {
  let max = -1;
  for (const p of [...data.nodes.map((n) => n.path), ...data.retired]) {
    if (groupOf(p) !== group) continue;
    const n = Number(p.slice(group.length + 1));
    if (p.length > group.length && Number.isInteger(n)) max = Math.max(max, n);
  }
  return max + 1;
}

/** Inserts a layer or a block after/before a path, or at the end. */
export function insert(data: SpecData, what: Layer | Block, where: Where, call: string): SpecData {
  const step = data.steps.length + 1;
  if (where.after !== undefined && where.before !== undefined) {
    throw fail(data, call, where.after, "one of after or before", "both");
  }
  const anchor = where.before ?? where.after ?? data.output;
  const anchorNode = find(data, call, anchor);
  let paths: string[];
  if (what.kind === "block") {
    if (data.nodes.some((n) => groupOf(n.path) === what.name) || what.name === INPUT) {
      throw fail(data, call, what.name, "a new group name", `"${what.name}", already in use`);
    }
    paths = what.layers.map((_, i) => `${what.name}.${i}`);
  } else {
    paths = [`${groupOf(anchor)}.${freeIndex(data, groupOf(anchor))}`];
  }
  const layers = what.kind === "block" ? what.layers : [what];
  const last = paths[paths.length - 1]!;
  const before = where.before !== undefined;
  if (before && anchorNode.inputs.length !== 1) {
    throw fail(data, call, anchor, "a node with one input", `${anchorNode.inputs.length} inputs`);
  }
  const firstInputs = before ? anchorNode.inputs : [anchor];
  const added: SpecNode[] = layers.map((l, i) => ({
    path: paths[i]!,
    op: l.op,
    config: l.config,
    inputs: i === 0 ? firstInputs : [paths[i - 1]!],
    trainable: true,
    step,
    origin: step,
  }));
  const nodes: SpecNode[] = [];
  for (const n of data.nodes) {
    if (before && n.path === anchor) {
      nodes.push(...added, { ...n, inputs: [last], step });
    } else if (!before) {
      nodes.push(rewire(n, anchor, [last], step));
      if (n.path === anchor) nodes.push(...added);
    } else {
      nodes.push(n);
    }
  }
  return next(data, call, nodes, !before && data.output === anchor ? last : data.output);
}

/** Drops a path, or every path of a group, wiring consumers to what fed it. */
export function drop(data: SpecData, target: string, call: string): SpecData {
  const step = data.steps.length + 1;
  const match = matcher(target);
  const doomed = data.nodes.filter((n) => match(n.path));
  if (doomed.length === 0) find(data, call, target);
  let nodes = data.nodes;
  let output = data.output;
  for (const { path } of doomed) {
    const node = nodes.find((n) => n.path === path)!;
    if (node.inputs.length !== 1) {
      throw fail(data, call, node.path, "a node with one input", `${node.inputs.length} inputs`);
    }
    nodes = nodes.filter((n) => n.path !== path).map((n) =>
      rewire(n, node.path, node.inputs, step)
    );
    if (output === node.path) output = node.inputs[0]!;
  }
  if (output === INPUT) throw fail(data, call, target, "at least one layer left", "none");
  const retired = [...data.retired, ...doomed.map((n) => n.path)];
  return next({ ...data, retired }, call, nodes, output);
}

/** Replaces the layer at a path, keeping its path and inputs. */
export function replace(data: SpecData, path: string, layer: Layer, call: string): SpecData {
  find(data, call, path);
  const step = data.steps.length + 1;
  const nodes = data.nodes.map((n) =>
    n.path === path
      ? { ...n, op: layer.op, config: layer.config, trainable: true, step, origin: step }
      : n
  );
  return next(data, call, nodes);
}

/** Replaces the last dense layer of the head group. */
export function replaceHead(data: SpecData, layer: Layer, call: string): SpecData {
  const heads = data.nodes.filter((n) => groupOf(n.path) === data.head && n.op === "dense");
  const head = heads[heads.length - 1];
  if (!head) {
    throw fail(data, call, data.head, `a dense layer in group ${data.head}`, "none");
  }
  return replace(data, head.path, layer, call);
}

/** Sets `trainable` on every node a pattern matches; a pattern matching nothing is an error. */
export function setTrainable(
  data: SpecData,
  pattern: string,
  trainable: boolean,
  call: string,
): SpecData {
  const match = matcher(pattern);
  if (!data.nodes.some((n) => match(n.path))) {
    throw fail(data, call, pattern, "a pattern matching at least one path", nearest(data, pattern));
  }
  const nodes = data.nodes.map((n) => (match(n.path) ? { ...n, trainable } : n));
  return next(data, call, nodes);
}
