import { z } from "zod";
import { OPS } from "./_ops.ts";
import { type Problem, SpecError } from "./errors.ts";
import { Spec } from "./spec.ts";
import { INPUT, type Json, type SpecData } from "./types.ts";

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(json),
    z.record(z.string(), json),
  ])
);

const schema = z.strictObject({
  format: z.literal("graft.spec/v1"),
  name: z.string().min(1),
  input: z.strictObject({ shape: z.array(z.number().int().positive()).min(1) }),
  head: z.string().min(1),
  nodes: z.array(z.strictObject({
    path: z.string().min(1),
    op: z.enum(OPS as [string, ...string[]]),
    config: z.record(z.string(), json),
    inputs: z.array(z.string()),
    trainable: z.boolean(),
    step: z.number().int().positive(),
    origin: z.number().int().positive(),
  })),
  output: z.string().min(1),
  retired: z.array(z.string()),
  steps: z.array(z.strictObject({ index: z.number().int().positive(), call: z.string() })),
  weights: z.string().min(1).optional(),
});

function problem(path: string, expected: string, received: string): Problem {
  return { step: "fromJSON", path, expected, received };
}

/**
 * Reads a spec back from `toJSON()` data (or its JSON text). Validates the structure and the
 * graph (unique paths, inputs defined before use, an output that exists), reporting every
 * problem in one {@linkcode SpecError}. Paths are not known to the compiler: the result is a
 * `Spec<string, string>`.
 *
 * @example
 * ```ts
 * import { fromJSON, vgg11 } from "@graft/graft/dsl";
 * const spec = vgg11().replaceHead(10);
 * const back = fromJSON(JSON.stringify(spec));
 * console.log(back.summary().total === spec.summary().total); // true
 * ```
 */
export function fromJSON(input: string | unknown): Spec<string, string> {
  let raw = input;
  if (typeof input === "string") {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      throw new SpecError([
        problem("(root)", "JSON text", `text JSON cannot parse: ${(e as Error).message}`),
      ]);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new SpecError(
      parsed.error.issues.map((i) =>
        problem(i.path.join(".") || "(root)", i.message, JSON.stringify(i.input ?? null) ?? "")
      ),
    );
  }
  const data = parsed.data as SpecData;
  const problems: Problem[] = [];
  const seen = new Set<string>([INPUT]);
  for (const node of data.nodes) {
    if (seen.has(node.path)) problems.push(problem(node.path, "a unique path", "a duplicate"));
    for (const i of node.inputs) {
      if (!seen.has(i)) {
        problems.push(problem(node.path, "inputs defined earlier", `"${i}"`));
      }
    }
    for (const key of ["step", "origin"] as const) {
      if (node[key] > data.steps.length) {
        problems.push(
          problem(`${node.path}.${key}`, `a step up to ${data.steps.length}`, `${node[key]}`),
        );
      }
    }
    seen.add(node.path);
  }
  if (!seen.has(data.output) || data.output === INPUT) {
    problems.push(problem("output", "a node path", `"${data.output}"`));
  }
  if (problems.length) throw new SpecError(problems);
  return new Spec(data);
}
