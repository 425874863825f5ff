import { SpecError } from "./errors.ts";
import { Spec } from "./spec.ts";
import { validateSpec } from "./_validate.ts";

/**
 * Reads a spec back from `toJSON()` data (or its JSON text). Validates the structure, every
 * node's config through its op's schema, and the graph (unique paths, inputs defined before use
 * and as many as the op takes, an output that exists), reporting every problem in one
 * {@linkcode SpecError} that names the node, the key and what was expected. Paths are not known
 * to the compiler: the result is a `Spec<string, string>`.
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
      throw new SpecError([{
        step: "fromJSON",
        path: "(text)",
        expected: "JSON text",
        received: (e as Error).message,
      }]);
    }
  }
  const r = validateSpec(raw, "fromJSON");
  if (!r.ok) throw new SpecError(r.problems);
  return new Spec(r.data);
}
