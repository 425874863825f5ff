// `deno task cifar10 export RUN_DIR --format tfjs --out DIR`
import { parseArgs } from "node:util";
import { exportTfjs } from "../weights/mod.ts";
import {
  EXPORT_HELP as TORCH_HELP,
  exportCommand as exportTorch,
} from "../engines/torch/_export_cli.ts";
import { CliError, type CommandIo, permitted } from "./_cli_error.ts";
import { openRun } from "./_run_model.ts";

const HELP = `Export a run's trained model.

Usage: deno task cifar10 export RUN_DIR --format tfjs --out DIR [options]
       deno task cifar10 export RUN_DIR --format torch --out DIR [options]

--format tfjs writes the TensorFlow.js layers model (model.json and weight shards) that
exportTfjs() writes, loadable with tf.loadLayersModel("file://DIR/model.json") or from a web
page. --format torch writes a PyTorch training folder (options below).

Options (tfjs):
  --format tfjs        Output format
  --out DIR            Output folder; must be empty or new unless --overwrite
  --checkpoint WHICH   best, last, or a checkpoint file (default: best, else last)
  --overwrite          Replace the files in a non-empty DIR
  -h, --help           Show this help

Exit codes: 0 exported, 1 the command failed, 2 bad input: arguments, or a run folder or
checkpoint that is missing or unusable.

Options (torch):
${TORCH_HELP.split("\n").slice(4).join("\n")}
`;

/** The value of --format in `args`, if given. */
function formatOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--format") return args[i + 1];
    if (args[i]!.startsWith("--format=")) return args[i]!.slice(9);
  }
  return undefined;
}

/** Runs the `export` command. */
export async function exportCommand(args: string[], io: CommandIo): Promise<number> {
  if (formatOf(args) === "torch") return await exportTorch(args, io);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      out: { type: "string" },
      checkpoint: { type: "string" },
      overwrite: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("Expected one RUN_DIR", 2);
  if (values.format !== "tfjs") {
    throw new CliError(`Invalid --format: expected tfjs or torch, got "${values.format ?? ""}"`, 2);
  }
  if (!values.out) throw new CliError("Missing --out DIR", 2);
  const out = values.out;
  if (!permitted(io, ["export", ...args], { read: positionals, write: [out] })) return 2;
  let entries = 0;
  try {
    for await (const _ of Deno.readDir(out)) entries++;
  } catch { /* a new folder */ }
  if (entries && !values.overwrite) {
    throw new CliError(`Not overwriting ${out}: it is not empty (give --overwrite to replace)`);
  }
  const run = await openRun(
    positionals[0]!,
    values.checkpoint ? { checkpoint: values.checkpoint } : {},
  );
  const result = await exportTfjs(run.model, out);
  run.model.dispose();
  let bytes = 0;
  for (const shard of result.shards) bytes += (await Deno.stat(`${out}/${shard}`)).size;
  io.stdout(
    `Exported ${run.checkpoint} to ${result.modelJson} and ${result.shards.length} weight ` +
      `shard(s), ${(bytes / 2 ** 20).toFixed(2)} MiB${
        result.customClasses.length
          ? `; Graft layers ${result.customClasses.join(", ")} need @graft/graft/compile to load`
          : "; loads with stock TensorFlow.js"
      }\n`,
  );
  return 0;
}
