/**
 * What `freeze()` and `unfreeze()` accept for a spec with paths `P` and groups `G`: a path
 * (`classifier.6`), a group (`features`), a group glob (`features.*`) or `*` for everything.
 * Patterns are checked by the compiler for zoo models, so `freeze("featurs")` does not compile.
 *
 * @example
 * ```ts
 * import type { Pattern } from "@graft/graft/dsl";
 * const p: Pattern<"features.0" | "classifier.6", "features" | "classifier"> = "features.*";
 * ```
 */
export type Pattern<P extends string, G extends string> = P | G | `${G}.*` | "*";

/** The group of a path: its first segment (`features` for `features.3`). */
export function groupOf(path: string): string {
  const dot = path.indexOf(".");
  return dot < 0 ? path : path.slice(0, dot);
}

/**
 * Makes a predicate for a pattern. Without `*` a pattern matches that path or every path below
 * it (`features` matches `features.3`); with `*` it is a glob where `*` matches any characters.
 *
 * @example
 * ```ts
 * import { matcher } from "@graft/graft/dsl";
 * const m = matcher("features.1*");
 * console.log(m("features.10"), m("features.2")); // true false
 * ```
 */
export function matcher(pattern: string): (path: string) => boolean {
  if (!pattern.includes("*")) {
    return (path) => path === pattern || path.startsWith(`${pattern}.`);
  }
  const source = pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(
    ".*",
  );
  const re = new RegExp(`^${source}$`);
  return (path) => re.test(path);
}
