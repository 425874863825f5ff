// Making a layer: the op's schema validates and normalises what the user wrote.
import type { z } from "zod";
import { SpecError } from "../errors.ts";
import { deepFreeze } from "../_freeze.ts";
import type { OpDef, OpLayer } from "./_def.ts";
import { parseWith } from "./_schema.ts";

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
  const r = parseWith(def.config, raw);
  if (!r.ok) {
    throw new SpecError(r.issues.map((i) => ({
      step: call,
      path: i.key ? `${op} ${i.key}` : op,
      expected: i.expected,
      received: i.received,
    })));
  }
  return Object.freeze({ kind: "layer", op, config: deepFreeze(r.config) });
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
