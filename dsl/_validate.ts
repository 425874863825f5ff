// Whether data is a spec at all: its structure, each node's op and config (through the op
// table), and its wiring. Shape inference (_infer.ts) runs only on data that passes.
import { z } from "zod";
import type { Problem } from "./errors.ts";
import { type Op, OP_NAMES, opDef, parseOpConfig } from "./ops/table.ts";
import { show } from "./ops/_schema.ts";
import { isParsedConfig } from "./ops/_layer.ts";
import { INPUT, type SpecData, type SpecNode } from "./types.ts";

const nodeSchema = z.strictObject({
  path: z.string().min(1),
  op: z.enum(OP_NAMES as [Op, ...Op[]]),
  config: z.unknown(),
  inputs: z.array(z.string()),
  trainable: z.boolean(),
  step: z.number().int().positive(),
  origin: z.number().int().positive(),
});

const structure = z.strictObject({
  format: z.literal("graft.spec/v1"),
  name: z.string().min(1),
  input: z.strictObject({ shape: z.array(z.number().int().positive()).min(1) }),
  head: z.string().min(1),
  nodes: z.array(z.unknown()),
  output: z.string().min(1),
  retired: z.array(z.string()),
  steps: z.array(z.strictObject({ index: z.number().int().positive(), call: z.string() })),
  weights: z.string().min(1).optional(),
});

// Frozen nodes whose structure and config passed: an edit shares every node it does not touch
// with the spec it came from, so only new nodes are parsed again.
const checked = new WeakSet<object>();

type Issue = { readonly path: readonly PropertyKey[]; readonly message: string };

function structural(
  step: string | undefined,
  raw: unknown,
  issues: readonly Issue[],
  prefix: PropertyKey[] = [],
) {
  return issues.map((i) => {
    const path = [...prefix, ...i.path];
    return {
      step: step ?? "spec data",
      path: path.join(".") || "(root)",
      expected: i.message.replace(/^Invalid input: /, ""),
      received: show(i.path.reduce<unknown>((v, k) => (v as never)?.[k], raw) ?? null),
    };
  });
}

/** The label of an edit step, such as `step 3 insert(custom_layer)`. */
export function stepLabel(data: SpecData, step: number): string {
  const s = data.steps[step - 1];
  return s ? `step ${step} ${s.call}` : `step ${step}`;
}

/**
 * Validates spec data: the parsed data with every config normalised by its op's schema, or every
 * problem found. With `step` (`fromJSON`), data as read from a file, whose configs are
 * normalised; without, a spec's own data, whose configs must be normalised already and whose
 * problems are labelled with each node's edit step.
 */
export function validateSpec(
  raw: unknown,
  step?: string,
): { ok: true; data: SpecData } | { ok: false; problems: Problem[] } {
  const parsed = structure.safeParse(raw);
  const bad: Problem[] = parsed.success ? [] : structural(step, raw, parsed.error.issues);
  const rawNodes = (raw as { nodes?: unknown } | null)?.nodes;
  const parsedNodes = (Array.isArray(rawNodes) ? rawNodes : []).map((node, i) => {
    if (node !== null && typeof node === "object" && checked.has(node)) return node as SpecNode;
    const r = nodeSchema.safeParse(node);
    if (r.success) return r.data as unknown as SpecNode;
    bad.push(...structural(step, node, r.error.issues, ["nodes", i]));
    return undefined;
  });
  if (bad.length || !parsed.success) return { ok: false, problems: bad };
  const raw2 = { ...parsed.data, nodes: parsedNodes as SpecNode[] };
  const problems: Problem[] = [];
  const label = (n: { step: number }) => step ?? stepLabel(raw2 as SpecData, n.step);
  const seen = new Set<string>([INPUT]);
  const nodes = raw2.nodes.map((node) => {
    const at = (what: string) => `${node.path} (${node.op})${what}`;
    const known = checked.has(node) || isParsedConfig(node.config, node.op);
    const r = known
      ? { ok: true as const, config: node.config }
      : parseOpConfig(node.op, node.config);
    if (r.ok && !known && step === undefined && show(r.config) !== show(node.config)) {
      // A spec's nodes hold configs as the op's schema normalises them; fromJSON() normalises.
      problems.push({
        step: label(node),
        path: at(" config"),
        expected: `the config as ${node.op} stores it, ${
          show(r.config)
        } (read saved data with fromJSON())`,
        received: show(node.config),
      });
    }
    if (!r.ok) {
      for (const i of r.issues) {
        problems.push({
          step: label(node),
          path: at(i.key ? ` config key "${i.key}"` : " config"),
          expected: i.expected,
          received: i.received,
        });
      }
    }
    if (seen.has(node.path)) {
      problems.push({
        step: label(node),
        path: node.path,
        expected: "a unique path",
        received: "a duplicate",
      });
    }
    for (const i of node.inputs) {
      if (!seen.has(i)) {
        problems.push({
          step: label(node),
          path: node.path,
          expected: "inputs defined earlier",
          received: `"${i}"`,
        });
      }
    }
    const many = opDef(node.op).inputs === "many";
    if (many ? node.inputs.length < 2 : node.inputs.length !== 1) {
      problems.push({
        step: label(node),
        path: at(""),
        expected: many ? "two or more inputs" : "exactly one input",
        received: `${node.inputs.length} inputs`,
      });
    }
    for (const key of ["step", "origin"] as const) {
      if (node[key] > raw2.steps.length) {
        problems.push({
          step: label(node),
          path: `${node.path}.${key}`,
          expected: `a step up to ${raw2.steps.length}`,
          received: `${node[key]}`,
        });
      }
    }
    seen.add(node.path);
    return r.ok && !known ? { ...node, config: r.config } as SpecNode : node;
  });
  if (!seen.has(raw2.output) || raw2.output === INPUT) {
    problems.push({
      step: step ?? "spec data",
      path: "output",
      expected: "a node path",
      received: `"${raw2.output}"`,
    });
  }
  if (problems.length) return { ok: false, problems };
  // Every node must lead to the output: a dead branch would be built and never run.
  const live = new Set<string>([raw2.output]);
  for (let i = raw2.nodes.length - 1; i >= 0; i--) {
    const n = raw2.nodes[i]!;
    if (live.has(n.path)) { for (const input of n.inputs) live.add(input); }
  }
  for (const n of raw2.nodes) {
    if (!live.has(n.path)) {
      problems.push({
        step: label(n),
        path: n.path,
        expected: `a node that leads to the output ${raw2.output}`,
        received: "a node nothing downstream uses",
      });
    }
  }
  if (problems.length) return { ok: false, problems };
  if (step === undefined) {
    // A spec's own nodes: frozen, so what passed stays valid.
    for (const n of (raw as SpecData).nodes) if (Object.isFrozen(n)) checked.add(n);
  }
  return { ok: true, data: { ...raw2, nodes } as SpecData };
}
