import type { Problem } from "./problem.ts";

/**
 * What a Graft command exits with for an error: 2 when the user's input is wrong (flags, config,
 * spec, data or weight files), 1 when a run that started correctly failed (a loss that turned
 * NaN, a worker that died).
 *
 * @example
 * ```ts
 * import type { ExitCode } from "@graft/graft/errors";
 * const badInput: ExitCode = 2;
 * ```
 */
export type ExitCode = 1 | 2;

/**
 * The base class of every error a Graft user can cause: a message that names the file, key, path
 * or step, and every {@linkcode Problem} found, each with its step, path, expected and received.
 * The CLI prints the message alone (one line, or a title and one line per problem) and exits with
 * {@linkcode GraftError.exitCode}; any other error is a bug in Graft.
 *
 * @example Catch every Graft error in one place
 * ```ts
 * import { GraftError } from "@graft/graft/errors";
 * import { vgg16 } from "@graft/graft/dsl";
 * try {
 *   vgg16().freeze("featurs" as never);
 * } catch (e) {
 *   if (e instanceof GraftError) console.log(e.exitCode, e.problems[0]?.path); // 2 "featurs"
 * }
 * ```
 */
export class GraftError extends Error {
  /** Every problem found, in the order found. */
  readonly problems: readonly Problem[];
  /** The exit code of a command that ends with this error. */
  readonly exitCode: ExitCode;

  /**
   * Creates the error.
   *
   * @param message One line that names the file, key, path or step (capital letter, no final
   *   period, details after a colon), or a title and one indented line per problem.
   * @param problems Every problem found.
   * @param exitCode 2 for bad input (the default), 1 for a failed run.
   */
  constructor(message: string, problems: readonly Problem[], exitCode: ExitCode = 2) {
    super(message);
    this.name = "GraftError";
    this.problems = Object.freeze([...problems]);
    this.exitCode = exitCode;
  }
}
