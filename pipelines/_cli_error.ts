// An error a user caused on the command line: printed as one line, with its exit code
// (1: a file, folder or image is missing or unusable; 2: bad arguments).

/** One-line CLI failure with an exit code. */
export class CliError extends Error {
  /** The process exit code. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Parses a positive integer flag or throws a usage error naming it. */
export function intFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(`Invalid --${name}: expected an integer >= ${min}, got "${value}"`, 2);
  }
  return n;
}
