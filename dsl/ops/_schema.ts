// Building blocks of op config schemas, each carrying the words an error uses for it, and the
// conversion of zod issues into problems that name the key and what was expected.
import { z } from "zod";
import { nearest } from "../_nearest.ts";

/** An integer of at least `min`. */
export function int(min: number): z.ZodNumber {
  const error = min === 0
    ? "an integer ≥ 0"
    : min === 1
    ? "a positive integer"
    : `an integer ≥ ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}

/** A number in a range, `lt` excluding its upper end. */
export function number(
  error: string,
  range: {
    readonly min?: number;
    readonly gt?: number;
    readonly max?: number;
    readonly lt?: number;
  },
): z.ZodNumber {
  let n = z.number({ error });
  if (range.min !== undefined) n = n.min(range.min, { error });
  if (range.gt !== undefined) n = n.gt(range.gt, { error });
  if (range.max !== undefined) n = n.max(range.max, { error });
  if (range.lt !== undefined) n = n.lt(range.lt, { error });
  return n;
}

/** A boolean. */
export function boolean(): z.ZodBoolean {
  return z.boolean({ error: "true or false" });
}

const toPair = (v: number | readonly [number, number]): [number, number] =>
  typeof v === "number" ? [v, v] : [v[0], v[1]];

/** The schema of a size per axis (see {@linkcode pair}). */
export type PairSchema = z.ZodPipe<
  z.ZodUnion<readonly [z.ZodNumber, z.ZodTuple<[z.ZodNumber, z.ZodNumber], null>]>,
  z.ZodTransform<[number, number], number | [number, number]>
>;

/** A size per axis: `3` or `[3, 5]`, stored as a pair. */
export function pair(min: number): PairSchema {
  const i = int(min);
  const what = min === 0 ? "an integer ≥ 0" : "a positive integer";
  return z.union([i, z.tuple([i, i])], { error: `${what} or a pair [height, width] of them` })
    .transform(toPair);
}

/** The schema of a padding (see {@linkcode padding}). */
export type PaddingSchema = z.ZodPipe<
  z.ZodUnion<
    readonly [
      z.ZodEnum<{ same: "same"; valid: "valid" }>,
      z.ZodNumber,
      z.ZodTuple<[z.ZodNumber, z.ZodNumber], null>,
    ]
  >,
  z.ZodTransform<
    "same" | "valid" | [number, number],
    "same" | "valid" | number | [number, number]
  >
>;

/** Padding: `"same"`, `"valid"`, or zero padding per side as PyTorch's `padding=` (stored as a pair). */
export const padding: PaddingSchema = z.union([
  z.enum(["same", "valid"]),
  int(0),
  z.tuple([int(0), int(0)]),
], {
  error: '"same", "valid", an integer ≥ 0 or a pair [height, width] of them',
}).transform((v) => (typeof v === "string" ? v : toPair(v)));

/**
 * Padding as written: `"same"`, `"valid"`, or explicit zero padding per side (PyTorch's
 * `padding=`).
 *
 * @example
 * ```ts
 * import type { Padding } from "@graft/graft/dsl";
 * const p: Padding = [1, 0];
 * ```
 */
export type Padding = z.input<PaddingSchema>;

/** The schema of an op's options: an object whose unknown keys are errors. */
export type Options<T extends z.core.$ZodLooseShape> = z.ZodObject<T, z.core.$strict>;

/** Options as an object whose unknown keys are errors. */
export function options<T extends z.core.$ZodLooseShape>(shape: T): Options<T> {
  return z.strictObject(shape, { error: "an object of options" });
}

/** One problem with a config: the key (`""` for the whole config), expected and received. */
export interface ConfigIssue {
  /** The key, such as `rate` or `kernelSize[1]`; empty for the config as a whole. */
  readonly key: string;
  /** What the op expects there. */
  readonly expected: string;
  /** What it found. */
  readonly received: string;
}

function keyOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A value as a message shows it. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function keysOf(schema: z.ZodType): string[] {
  const def = (schema as unknown as { _zod: { def: { shape?: object; in?: z.ZodType } } })._zod.def;
  if (def.shape) return Object.keys(def.shape);
  return def.in ? keysOf(def.in) : [];
}

/**
 * Parses a config with an op's schema. On failure, every problem with its key; an unknown key
 * next to a missing one it resembles (`filtres` for `filters`) is one problem, "did you mean".
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  raw: unknown,
): { ok: true; config: z.output<S> } | { ok: false; issues: ConfigIssue[] } {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, config: r.data };
  const known = keysOf(schema);
  const missing = new Map<string, string>();
  for (const i of r.error.issues) {
    if (i.path.length === 1 && at(raw, i.path) === undefined && i.code !== "unrecognized_keys") {
      missing.set(String(i.path[0]), i.message);
    }
  }
  const issues: ConfigIssue[] = [];
  const merged = new Set<string>();
  for (const i of r.error.issues) {
    if (i.code !== "unrecognized_keys") continue;
    for (const k of i.keys) {
      const near = nearest(k, missing.keys()) ?? nearest(k, known);
      if (near !== undefined && missing.has(near)) {
        merged.add(near);
        issues.push({
          key: k,
          expected: `"${near}" (${missing.get(near)})`,
          received: `an unknown key "${k}"`,
        });
      } else {
        issues.push({
          key: k,
          expected: near !== undefined
            ? `a known key (did you mean "${near}"?)`
            : known.length
            ? `one of ${known.join(", ")}`
            : "no options",
          received: `an unknown key "${k}"`,
        });
      }
    }
  }
  for (const i of r.error.issues) {
    if (i.code === "unrecognized_keys") continue;
    const key = keyOf(i.path);
    if (i.path.length === 1 && merged.has(key)) continue;
    issues.push({ key, expected: i.message, received: show(at(raw, i.path)) });
  }
  return { ok: false, issues };
}
