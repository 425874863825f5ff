// The CLI's exit codes: each GraftError carries its own (2 when what the user gave is wrong:
// flags, config, data, weights, run folder; 1 when a run that started fails); anything else is 1.
import { GraftError } from "../errors/mod.ts";

/** Whether an error is one of Graft's own (its message is written for the user). */
export function isGraftError(e: unknown): e is GraftError {
  return e instanceof GraftError;
}

/** The exit code for an error thrown by a run. */
export function exitCodeOf(e: unknown): 1 | 2 {
  return e instanceof GraftError ? e.exitCode : 1;
}
