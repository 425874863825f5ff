/**
 * One problem found in a user's input or run: what Graft was doing, where, what it expected there
 * and what it found. Every Graft error carries a list of these.
 *
 * @example
 * ```ts
 * import type { Problem } from "@graft/graft/errors";
 * const p: Problem = {
 *   step: "step 3 insert(custom_layer)",
 *   path: "custom_layer.0",
 *   expected: "an image input [height, width, channels]",
 *   received: "[10]",
 * };
 * ```
 */
export interface Problem {
  /** What Graft was doing: an edit step (`step 3 insert(custom_layer)`), `read config`, `train`. */
  readonly step: string;
  /** Where: a node path, a config key, a file (with a byte offset or line when known). */
  readonly path: string;
  /** What Graft expected there (empty when only the finding can be said). */
  readonly expected: string;
  /** What it found. */
  readonly received: string;
}

const EXPECTED_RECEIVED = /^expected (.+?), (?:received|got) (.+)$/s;

/**
 * Builds a {@linkcode Problem} from a message written as a sentence fragment: a message of the
 * form `expected X, received Y` (or `got Y`) is split into its two parts; any other message is
 * kept whole as what was received.
 *
 * @example
 * ```ts
 * import { problemOf } from "@graft/graft/errors";
 * const p = problemOf("read config", "train.epochs (line 4)", "expected an integer >= 1, got 0");
 * console.log(p.expected, "|", p.received); // "an integer >= 1 | 0"
 * ```
 */
export function problemOf(step: string, path: string, message: string): Problem {
  const m = EXPECTED_RECEIVED.exec(message);
  return m ? { step, path, expected: m[1]!, received: m[2]! } : {
    step,
    path,
    expected: "",
    received: message,
  };
}

/**
 * One line describing a problem: `path: expected X, received Y`, or `path: finding` when nothing
 * was expected in particular.
 *
 * @example
 * ```ts
 * import { describeProblem } from "@graft/graft/errors";
 * const line = describeProblem({ step: "train", path: "epochs", expected: "an integer >= 1", received: "0" });
 * console.log(line); // "epochs: expected an integer >= 1, received 0"
 * ```
 */
export function describeProblem(p: Problem): string {
  const what = p.expected ? `expected ${p.expected}, received ${p.received}` : p.received;
  return p.path ? `${p.path}: ${what}` : what;
}
