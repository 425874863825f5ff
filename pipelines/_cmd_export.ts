// `deno task cifar10 export RUN_DIR --format tfjs --out DIR`
import { parseArgs } from "node:util";
import { exportTfjs } from "../weights/mod.ts";
import { CliError, type CommandIo, permitted } from "./_cli_error.ts";
import { openRun } from "./_run_model.ts";

const HELP = `Export a run's trained model.

Usage: deno task cifar10 export RUN_DIR --format tfjs --out DIR [options]

Writes the TensorFlow.js layers model (model.json and weight shards) that exportTfjs() writes,
loadable with tf.loadLayersModel("file://DIR/model.json") or from a web page.

Options:
  --format tfjs        Output format (tfjs: TensorFlow.js layers model)
  --out DIR            Output folder; must be empty or new unless --force
  --checkpoint WHICH   best, last, or a checkpoint file (default: best, else last)
  --force              Replace the files in a non-empty DIR
  -h, --help           Show this help

Exit codes: 0 exported, 1 the run or its checkpoint is missing, 2 bad arguments.
`;

/** Runs the `export` command. */
export async function exportCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      out: { type: "string" },
      checkpoint: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("Expected one RUN_DIR", 2);
  if (values.format !== "tfjs") {
    throw new CliError(`Invalid --format: expected tfjs, got "${values.format ?? ""}"`, 2);
  }
  if (!values.out) throw new CliError("Missing --out DIR", 2);
  const out = values.out;
  if (!permitted(io, ["export", ...args], { read: positionals, write: [out] })) return 2;
  let entries = 0;
  try {
    for await (const _ of Deno.readDir(out)) entries++;
  } catch { /* a new folder */ }
  if (entries && !values.force) {
    throw new CliError(`Not overwriting ${out}: it is not empty (give --force to replace)`);
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
