// node:util parseArgs's messages span several lines and end with a period ("--lr -1" is
// "ambiguous"); the CLI's errors are one line without a final period.

/** A parseArgs error's message as one line, without its final period. */
export function flagErrorMessage(e: Error): string {
  return e.message.replace(/\.?\s*\n\s*/g, "; ").replace(/\.$/, "");
}
