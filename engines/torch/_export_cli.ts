// `deno task cifar10 export RUN_DIR --format torch --out DIR`: the PyTorch export.
import { parseArgs } from "node:util";
import { GraftError } from "../../errors/mod.ts";
import { flagErrorMessage } from "../../pipelines/_flag_error.ts";
import { EngineError } from "./errors.ts";
import { exportTorch } from "./export_torch.ts";

/** Help of the export subcommand (the torch format). */
export const EXPORT_HELP = `Export a run for another runtime.

Usage: deno task cifar10:torch export RUN_DIR --format torch --out DIR [options]

  --format torch       A folder that trains the run's spec with PyTorch without Deno: module,
                       trainer, resolved config, weights, prepared data, Slurm and Kubeflow
                       PyTorchJob launch files
  --out DIR            The folder to write (refused if it holds anything, unless --overwrite)
  --data PATH          CIFAR-10 to prepare (default: the run config's data.path)
  --nodes N            Machines in the launch files (default 2)
  --gpus-per-node N    Processes per machine in the launch files (default 8)
  --overwrite          Replace --out
`;

/** Runs the export subcommand; returns the exit code (a GraftError's message on stderr). */
export async function exportCommand(
  args: string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
): Promise<number> {
  try {
    return await run(args, io);
  } catch (e) {
    if (e instanceof GraftError) return io.stderr(`${e.message}\n`), e.exitCode;
    if (e instanceof TypeError && "code" in e) { // node:util parseArgs
      const message = flagErrorMessage(e);
      return io.stderr(`Invalid arguments: ${message}: run export --help for the options\n`), 2;
    }
    throw e;
  }
}

async function run(
  args: string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      out: { type: "string" },
      data: { type: "string" },
      nodes: { type: "string" },
      "gpus-per-node": { type: "string" },
      overwrite: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout(EXPORT_HELP);
    return 0;
  }
  const problems: string[] = [];
  if (positionals.length !== 1) {
    problems.push(`RUN_DIR: expected one run folder, received ${positionals.length}`);
  }
  if (values.format !== "torch") {
    problems.push(`--format: expected torch, received ${values.format ?? "nothing"}`);
  }
  if (values.out === undefined) problems.push("--out: expected a folder, received nothing");
  const int = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) {
      problems.push(`--${flag}: expected an integer >= 1, received "${v}"`);
    }
    return n;
  };
  const nodes = int("nodes", values.nodes);
  const gpus = int("gpus-per-node", values["gpus-per-node"]);
  if (problems.length) throw new EngineError("Invalid export arguments", problems);
  const files = await exportTorch(positionals[0]!, values.out!, {
    ...(values.data !== undefined ? { data: values.data } : {}),
    ...(nodes !== undefined ? { nodes } : {}),
    ...(gpus !== undefined ? { gpusPerNode: gpus } : {}),
    overwrite: values.overwrite ?? false,
  });
  io.stderr(`Exported ${positionals[0]} for PyTorch to ${values.out}: ${files.join(", ")}\n`);
  return 0;
}
