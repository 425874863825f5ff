// An error a user caused with a command: one line naming the file, folder or flag, with its exit
// code: 2, bad input (arguments, a missing or unusable run folder, checkpoint or image, an output
// that would be overwritten), as everywhere in the CLI; 1 is left to a command that fails
// otherwise.
import { type ExitCode, GraftError, problemOf } from "../errors/mod.ts";
import { permissionAdvice } from "./_permissions.ts";

/** One-line command failure; `path` is the file, folder or flag it is about. */
export class CliError extends GraftError {
  constructor(message: string, exitCode: ExitCode = 2, step = "command", path = "") {
    super(message, [problemOf(step, path, message)], exitCode);
    this.name = "CliError";
  }
}

/** Parses an integer flag or throws a usage error naming it. */
export function intFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(
      `Invalid --${name}: expected an integer >= ${min}, got "${value}"`,
      2,
      "parse arguments",
      `--${name}`,
    );
  }
  return n;
}

/** Where a command writes (the CLI's streams, or a test's). */
export interface CommandIo {
  /** Results (JSON with --json). */
  readonly stdout: (text: string) => void;
  /** Progress and errors. */
  readonly stderr: (text: string) => void;
}

/**
 * Stops a command that lacks a Deno permission it needs, with the command line that grants it
 * (the task's flags widened to `write` and `read`); true when it may go on.
 */
export function permitted(
  io: CommandIo,
  args: readonly string[],
  needs: { read?: readonly string[]; write?: readonly string[]; data?: string | null },
): boolean {
  const data = needs.data ?? undefined;
  const url = data !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(data);
  const advice = permissionAdvice({
    read: [...(needs.read ?? []), ...(data !== undefined && !url ? [data] : [])],
    write: [...(needs.write ?? [])],
    net: url ? [new URL(data).hostname] : [],
    ffi: "useful",
  }, args);
  if (advice) io.stderr(advice);
  return advice === undefined;
}
