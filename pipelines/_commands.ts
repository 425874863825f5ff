// The CLI's subcommands besides training, each in its own file, and how their errors print.
import { GraftError } from "../errors/mod.ts";
import type { CommandIo } from "./_cli_error.ts";
import { flagErrorMessage } from "./_flag_error.ts";
import { evaluateCommand } from "./_cmd_evaluate.ts";
import { exportCommand } from "./_cmd_export.ts";
import { predictCommand } from "./_cmd_predict.ts";
import { reportCommand } from "./_cmd_report.ts";

type Command = (args: string[], io: CommandIo) => Promise<number>;

/** `deno task cifar10 NAME …` for each subcommand. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  report: reportCommand,
  evaluate: evaluateCommand,
  predict: predictCommand,
  export: exportCommand,
};

/** Runs a subcommand; a user's error prints as one line and becomes its exit code. */
export async function runCommand(name: string, args: string[], io: CommandIo): Promise<number> {
  try {
    return await COMMANDS[name]!(args, io);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      const message = flagErrorMessage(e as Error);
      io.stderr(`Invalid arguments: ${message}: run ${name} --help for the options\n`);
      return 2;
    }
    if (e instanceof GraftError) {
      io.stderr(`${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
