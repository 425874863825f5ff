// Pure edits over SpecData: each returns new, deeply frozen data. The spec is a graph: a node may
// feed several consumers and an op such as `add` may take several inputs.
import type { Block } from "./block.ts";
import { type Problem, SpecError } from "./errors.ts";
import { deepFreeze } from "./_freeze.ts";
import { nearest as closest } from "./_nearest.ts";
import { placed } from "./_node.ts";
import { show } from "./ops/_schema.ts";
import { isParsedConfig } from "./ops/_layer.ts";
import { isOp, type Layer, opDef, parseOpConfig } from "./ops/table.ts";
import { groupOf, matcher } from "./pattern.ts";
import { INPUT, type SpecData, type SpecNode } from "./types.ts";

export { deepFreeze };

/** Where to insert: after or before a path; neither means at the end. */
export interface Where {
  readonly after?: string;
  readonly before?: string;
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

/** The received value, with the closest known path or group when one is near. */
function nearest(data: SpecData, path: string): string {
  const known = new Set(data.nodes.flatMap((n) => [n.path, groupOf(n.path)]));
  const bare = path.replace(/\.\*$/, "");
  const best = closest(bare, known);
  const suffix = path.endsWith(".*") ? ".*" : "";
  return best !== undefined ? `"${path}" (did you mean "${best}${suffix}"?)` : `"${path}"`;
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

function rewire(node: SpecNode, from: string, to: string, step: number): SpecNode {
  if (!node.inputs.includes(from)) return node;
  return { ...node, inputs: node.inputs.map((i) => (i === from ? to : i)), step };
}

/** The paths of the nodes that take `path` as an input. */
function consumersOf(nodes: readonly SpecNode[], path: string): string[] {
  return nodes.filter((n) => n.inputs.includes(path)).map((n) => n.path);
}

/** Where a layer inserted next to `path` goes: `features` for `features.29`, the path if bare. */
function parentOf(path: string): string {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? path : path.slice(0, dot);
}

/** The next index under `parent`: one past every index its paths (and retired paths) used. */
function freeIndex(data: SpecData, parent: string): number {
  let max = -1;
  for (const p of [...data.nodes.map((n) => n.path), ...data.retired]) {
    if (!p.startsWith(`${parent}.`)) continue;
    const n = Number(p.slice(parent.length + 1).split(".")[0]);
    if (Number.isInteger(n)) max = Math.max(max, n);
  }
  return max + 1;
}

/** `what` as a checked layer; anything else (`{}`, a typo'd op, a bad config) is an error. */
function checkedLayer(data: SpecData, call: string, what: unknown, at: string): Layer {
  const l = what as { kind?: unknown; op?: unknown; config?: unknown } | null;
  if (l === null || typeof l !== "object" || l.kind !== "layer") {
    throw fail(
      data,
      call,
      at,
      "a layer such as conv2d(64, 3) or a block(name, layers)",
      show(what),
    );
  }
  if (typeof l.op !== "string" || !isOp(l.op)) {
    throw fail(data, call, `${at} op`, "an op of the layer catalogue", show(l.op));
  }
  if (isParsedConfig(l.config, l.op)) return what as Layer;
  const r = parseOpConfig(l.op, l.config);
  if (!r.ok) {
    throw new SpecError(r.issues.map((i) => ({
      step: `step ${data.steps.length + 1} ${call}`,
      path: `${at} (${l.op}) config${i.key ? ` key "${i.key}"` : ""}`,
      expected: i.expected,
      received: i.received,
    })));
  }
  return { kind: "layer", op: l.op, config: r.config } as Layer;
}

function oneInput(data: SpecData, call: string, layer: Layer, at: string): void {
  if (opDef(layer.op).inputs !== "one") {
    throw fail(
      data,
      call,
      at,
      "a layer with one input (insert() places layers on one edge)",
      `${layer.op}, which joins several inputs: wire it with graph()`,
    );
  }
}

/**
 * A group named as an insertion anchor stands for its one exit (after) or its one entry
 * (before): `{ after: "layer4" }` is after `layer4.1.relu`. Paths are returned as they are.
 */
function groupEdge(data: SpecData, call: string, name: string, before: boolean): string {
  if (data.nodes.some((n) => n.path === name)) return name;
  const members = data.nodes.filter((n) => groupOf(n.path) === name);
  if (members.length === 0) return name;
  const inside = new Set(members.map((n) => n.path));
  const edge = before
    ? members.filter((n) => n.inputs.some((i) => !inside.has(i)))
    : members.filter((n) =>
      n.path === data.output ||
      data.nodes.some((c) => !inside.has(c.path) && c.inputs.includes(n.path))
    );
  if (edge.length !== 1) {
    throw fail(
      data,
      call,
      name,
      `a group with one ${before ? "entry" : "exit"} (or name a path)`,
      `${edge.length}: ${edge.map((n) => n.path).join(", ")}`,
    );
  }
  return edge[0]!.path;
}

/** Inserts a layer or a block after/before a path (or a group's exit/entry), or at the end. */
export function insert(data: SpecData, what: unknown, where: Where, call: string): SpecData {
  const step = data.steps.length + 1;
  if (where.after !== undefined && where.before !== undefined) {
    throw fail(data, call, where.after, "one of after or before", "both");
  }
  const anchor = groupEdge(
    data,
    call,
    where.before ?? where.after ?? data.output,
    where.before !== undefined,
  );
  const anchorNode = find(data, call, anchor);
  const w = what as Partial<Block> | null;
  let paths: string[];
  let layers: Layer[];
  if (w !== null && typeof w === "object" && w.kind === "block") {
    const block = w as Block;
    if (data.nodes.some((n) => groupOf(n.path) === block.name) || block.name === INPUT) {
      throw fail(data, call, block.name, "a new group name", `"${block.name}", already in use`);
    }
    paths = block.layers.map((_, i) => `${block.name}.${i}`);
    layers = block.layers.map((l, i) => checkedLayer(data, call, l, paths[i]!));
  } else {
    const parent = parentOf(anchor);
    paths = [`${parent}.${freeIndex(data, parent)}`];
    layers = [checkedLayer(data, call, what, paths[0]!)];
  }
  layers.forEach((l, i) => oneInput(data, call, l, paths[i]!));
  const last = paths[paths.length - 1]!;
  const before = where.before !== undefined;
  if (before && anchorNode.inputs.length !== 1) {
    throw fail(
      data,
      call,
      anchor,
      "a node with one input (say after: which input the layer goes after)",
      `${anchorNode.inputs.length} inputs (${anchorNode.inputs.join(", ")})`,
    );
  }
  const firstInputs = before ? anchorNode.inputs : [anchor];
  const added = layers.map((l, i) =>
    placed(l, {
      path: paths[i]!,
      inputs: i === 0 ? firstInputs : [paths[i - 1]!],
      trainable: true,
      step,
      origin: step,
    })
  );
  const nodes: SpecNode[] = [];
  for (const n of data.nodes) {
    if (before && n.path === anchor) {
      nodes.push(...added, { ...n, inputs: [last], step });
    } else if (!before) {
      // After a node: every consumer of the anchor now takes the inserted layers' output.
      nodes.push(rewire(n, anchor, last, step));
      if (n.path === anchor) nodes.push(...added);
    } else {
      nodes.push(n);
    }
  }
  return next(data, call, nodes, !before && data.output === anchor ? last : data.output);
}

/** The connected parts of a set of paths, each in node order. */
function parts(nodes: readonly SpecNode[], doomed: ReadonlySet<string>): string[][] {
  const parent = new Map<string, string>([...doomed].map((p) => [p, p]));
  const root = (p: string): string => {
    while (parent.get(p) !== p) p = parent.get(p)!;
    return p;
  };
  for (const n of nodes) {
    if (!doomed.has(n.path)) continue;
    for (const i of n.inputs) if (doomed.has(i)) parent.set(root(i), root(n.path));
  }
  const groups = new Map<string, string[]>();
  for (const n of nodes) {
    if (!doomed.has(n.path)) continue;
    const r = root(n.path);
    groups.set(r, [...(groups.get(r) ?? []), n.path]);
  }
  return [...groups.values()];
}

/**
 * Drops a path, or every path of a group. Each connected part dropped must have one input and
 * one output that feeds at most one node; that node is wired to the part's input.
 */
export function drop(data: SpecData, target: unknown, call: string): SpecData {
  if (typeof target !== "string" || target === "") {
    throw fail(data, call, show(target), "a path, a group or a head index", show(target));
  }
  const step = data.steps.length + 1;
  const match = matcher(target);
  const doomed = data.nodes.filter((n) => match(n.path));
  if (doomed.length === 0) find(data, call, target);
  let nodes = data.nodes;
  let output = data.output;
  for (const part of parts(data.nodes, new Set(doomed.map((n) => n.path)))) {
    const inside = new Set(part);
    const members = nodes.filter((n) => inside.has(n.path));
    const entries = [...new Set(members.flatMap((n) => n.inputs.filter((i) => !inside.has(i))))];
    const name = part.length === 1 ? part[0]! : target;
    if (entries.length !== 1) {
      const single = part.length === 1 ? ` (${members[0]!.op} joins its inputs)` : "";
      throw fail(
        data,
        call,
        name,
        "a part with one input, so that what it fed can take that input instead",
        `${entries.length} inputs${single}: ${entries.join(", ")}`,
      );
    }
    const entry = entries[0]!;
    const exits = part.filter((p) =>
      p === output || nodes.some((n) => !inside.has(n.path) && n.inputs.includes(p))
    );
    if (exits.length > 1) {
      throw fail(
        data,
        call,
        name,
        "a part with one output",
        `${exits.length}: ${exits.join(", ")}`,
      );
    }
    const exit = exits[0];
    if (exit !== undefined) {
      const consumers = consumersOf(nodes, exit).filter((c) => !inside.has(c));
      if (consumers.length > 1) {
        throw fail(
          data,
          call,
          name,
          "a node that feeds one other node: dropping a branch point would join its input " +
            "straight to every branch; drop or replace the branches instead",
          `${exit} feeds ${consumers.length} nodes: ${consumers.join(", ")}`,
        );
      }
      nodes = nodes.map((n) => (inside.has(n.path) ? n : rewire(n, exit, entry, step)));
      if (output === exit) output = entry;
    }
    nodes = nodes.filter((n) => !inside.has(n.path));
  }
  if (output === INPUT) throw fail(data, call, target, "at least one layer left", "none");
  const retired = [...data.retired, ...doomed.map((n) => n.path)];
  return next({ ...data, retired }, call, nodes, output);
}

/** Replaces the layer at a path, keeping its path and inputs. */
export function replace(data: SpecData, path: string, what: unknown, call: string): SpecData {
  const old = find(data, call, path);
  const layer = checkedLayer(data, call, what, path);
  const many = opDef(layer.op).inputs === "many";
  if (many !== (opDef(old.op).inputs === "many")) {
    throw fail(
      data,
      call,
      path,
      `a layer taking ${
        old.inputs.length === 1 ? "one input" : "several inputs"
      }, as ${old.op} did`,
      `${layer.op}, which takes ${many ? "several inputs" : "one"}`,
    );
  }
  const step = data.steps.length + 1;
  const nodes = data.nodes.map((n) =>
    n.path === path ? placed(layer, { ...n, trainable: true, step, origin: step }) : n
  );
  return next(data, call, nodes);
}

/** Replaces the last dense layer of the head group. */
export function replaceHead(data: SpecData, layer: unknown, call: string): SpecData {
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
  pattern: unknown,
  trainable: boolean,
  call: string,
): SpecData {
  if (typeof pattern !== "string" || pattern === "") {
    throw fail(data, call, show(pattern), "a path, a group or a pattern", show(pattern));
  }
  const match = matcher(pattern);
  if (!data.nodes.some((n) => match(n.path))) {
    throw fail(data, call, pattern, "a pattern matching at least one path", nearest(data, pattern));
  }
  const nodes = data.nodes.map((n) => (match(n.path) ? { ...n, trainable } : n));
  return next(data, call, nodes);
}
