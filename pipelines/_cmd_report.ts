// `deno task cifar10 report RUN_DIR [RUN_DIR…] [--out FILE]`
import { parseArgs } from "node:util";
import { writeComparison, writeRunReport } from "../report/mod.ts";
import { CliError, type CommandIo, permitted } from "./_cli_error.ts";
import { dirname, join } from "node:path";

const HELP = `Write a run's report.html, or a comparison of several runs.

Usage: deno task cifar10 report RUN_DIR [RUN_DIR...] [options]

With one run folder, rewrites RUN_DIR/report.html from what the folder holds (curves, test
results, most wrong images, model, config, provenance). With several, writes one page with their
curves overlaid, their final metrics, and their configs side by side, differences highlighted.

Options:
  --out FILE    Where to write (default: RUN_DIR/report.html for one run;
                runs/comparison.html for several, which must not exist yet unless --out
                names it)
  -h, --help    Show this help

Exit codes: 0 written, 1 the command failed, 2 bad input: arguments, or a run folder that is
missing or unreadable.
`;

/** Runs the `report` command. */
export async function reportCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new CliError("Missing RUN_DIR: give one or more run folders", 2);
  }
  const out = values.out ??
    (positionals.length === 1
      ? join(positionals[0]!, "report.html")
      : join("runs", "comparison.html"));
  if (!permitted(io, ["report", ...args], { read: positionals, write: [dirname(out)] })) return 2;
  for (const dir of positionals) {
    try {
      await Deno.stat(dir);
    } catch {
      throw new CliError(`Cannot report on ${dir}: no such run folder`);
    }
  }
  if (positionals.length === 1) {
    await writeRunReport(positionals[0]!, { out });
    io.stdout(`Wrote ${out}\n`);
    return 0;
  }
  if (values.out === undefined) {
    try {
      await Deno.stat(out);
      throw new CliError(`Not overwriting ${out}: give --out ${out} to replace it`);
    } catch (e) {
      if (e instanceof CliError) throw e;
    }
  }
  await writeComparison(positionals, out);
  io.stdout(`Wrote ${out} comparing ${positionals.length} runs\n`);
  return 0;
}
