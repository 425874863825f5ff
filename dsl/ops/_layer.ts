// Making a layer: the op's schema validates and normalises what the user wrote.
import type { z } from "zod";
import { SpecError } from "../errors.ts";
import { deepFreeze } from "../_freeze.ts";
import type { OpDef, OpLayer } from "./_def.ts";
import { parseWith } from "./_schema.ts";

// Config objects a schema made, with their op: frozen, so they stay valid and need not be parsed
// again.
const parsed = new WeakMap<object, string>();

/** True for a config object that `op`'s schema produced (through a layer function). */
export function isParsedConfig(config: unknown, op: string): boolean {
  return config !== null && typeof config === "object" && parsed.get(config) === op;
}

// Layers are frozen data: the same arguments give the same layer object (VGG16 asks for
// `conv2d(512, 3, { padding: 1 })` six times). Bounded, so a long session cannot grow it.
const made = new Map<string, OpLayer<string, unknown>>();
const MADE_LIMIT = 1024;

/**
 * A frozen layer of `op` whose config `def` parsed from `raw`; a bad config throws one
 * `SpecError` naming `call` (such as `dropout(1)`) and every key at fault.
 */
export function makeLayer<K extends string, S extends z.ZodType>(
  op: K,
  def: OpDef<S>,
  raw: unknown,
  call: string,
): OpLayer<K, z.output<S>> {
  let key: string | undefined;
  try {
    key = `${op} ${JSON.stringify(raw)}`;
  } catch {
    key = undefined; // not JSON (a cycle, a BigInt): parse it and let the schema say why
  }
  const known = key === undefined ? undefined : made.get(key);
  if (known) return known as OpLayer<K, z.output<S>>;
  const r = parseWith(def.config, raw);
  if (!r.ok) {
    throw new SpecError(r.issues.map((i) => ({
      step: call,
      path: i.key ? `${op} ${i.key}` : op,
      expected: i.expected,
      received: i.received,
    })));
  }
  const config = deepFreeze(r.config);
  if (config !== null && typeof config === "object") parsed.set(config, op);
  const layer = Object.freeze({ kind: "layer" as const, op, config });
  if (key !== undefined) {
    if (made.size >= MADE_LIMIT) made.clear();
    made.set(key, layer);
  }
  return layer;
}

/** A call as a message shows it: `conv2d(64, 3, {"padding":1})`. */
export function callText(op: string, args: readonly unknown[]): string {
  const shown = args.filter((a) => a !== undefined).map((a) => {
    try {
      return typeof a === "string" ? `"${a}"` : JSON.stringify(a) ?? String(a);
    } catch {
      return String(a);
    }
  });
  return `${op}(${shown.join(", ")})`;
}
