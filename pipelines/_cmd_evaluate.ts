// `deno task cifar10 evaluate RUN_DIR [--data …] [--split test|validation]`
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cifarDataset, holdOut, loadCifar10 } from "../data/mod.ts";
import { evaluate } from "../train/mod.ts";
import { writeAtomic } from "../report/_atomic.ts";
import { CliError, type CommandIo, intFlag, permitted } from "./_cli_error.ts";
import { openRun } from "./_run_model.ts";

const HELP = `Evaluate a run's checkpoint on CIFAR-10.

Usage: deno task cifar10 evaluate RUN_DIR [options]

Prints the checkpoint's loss, top-1 and top-5 accuracy, per-class accuracy and confusion matrix,
and writes them to RUN_DIR/evaluation-SPLIT.json.

Options:
  --data PATH|URL      CIFAR-10 as for training (default: the run's config)
  --split NAME         test (default) or validation
  --checkpoint WHICH   best, last, or a checkpoint file (default: best, else last)
  --limit N            Evaluate only the first N images of the split
  --batch-size N       Images per forward pass (default: the run's evaluateBatchSize)
  --json               Print the result as JSON on stdout
  --overwrite          Replace an existing evaluation-SPLIT.json
  -h, --help           Show this help

Exit codes: 0 done, 1 the command failed, 2 bad input: arguments, or a run folder, checkpoint or
data that is missing or unusable.
`;

/** Runs the `evaluate` command. */
export async function evaluateCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      data: { type: "string" },
      split: { type: "string" },
      checkpoint: { type: "string" },
      limit: { type: "string" },
      "batch-size": { type: "string" },
      json: { type: "boolean" },
      overwrite: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("Expected one RUN_DIR", 2);
  const dir = positionals[0]!;
  const split = values.split ?? "test";
  if (split !== "test" && split !== "validation") {
    throw new CliError(`Invalid --split: expected test or validation, got "${split}"`, 2);
  }
  const limit = intFlag("limit", values.limit);
  const batchSize = intFlag("batch-size", values["batch-size"]);
  const outFile = join(dir, `evaluation-${split}.json`);
  const needs = { read: [dir], write: [dir], data: values.data ?? null };
  if (!permitted(io, ["evaluate", ...args], needs)) return 2;
  if (!values.overwrite) {
    try {
      await Deno.stat(outFile);
      throw new CliError(`Not overwriting ${outFile}: give --overwrite to replace it`);
    } catch (e) {
      if (e instanceof CliError) throw e;
    }
  }
  const run = await openRun(dir, values.checkpoint ? { checkpoint: values.checkpoint } : {});
  const c = run.config;
  if (split === "validation" && c.data.validation === 0) {
    run.model.dispose();
    throw new CliError(
      `Cannot evaluate ${dir} on its validation split: data.validation is 0 in its config.yaml`,
    );
  }
  const dataPath = values.data ?? c.data.path;
  const data = await loadCifar10({
    ...(dataPath !== null ? { data: dataPath } : {}),
    ...(c.data.cacheDir !== null ? { cacheDir: c.data.cacheDir } : {}),
    ...(split === "test" && (limit ?? c.data.limitTest) !== null
      ? { limitTest: (limit ?? c.data.limitTest)! }
      : {}),
  });
  // The validation split is held out of the training images exactly as the run held it out.
  const images = split === "test"
    ? data.test
    : holdOut(data.train, c.data.validation, c.train.seed).validation.limit(limit);
  io.stderr(`Evaluating ${run.checkpoint} on ${images.size} ${split} images of ${data.source}\n`);
  const resize = c.data.resize ?? undefined;
  const e = await evaluate(
    run.model,
    cifarDataset(images, resize !== undefined ? { resize } : {}),
    {
      batchSize: batchSize ?? c.train.evaluateBatchSize,
    },
  );
  run.model.dispose();
  const classes = data.classes;
  const result = {
    checkpoint: run.checkpoint,
    split,
    data: data.source,
    count: e.count,
    loss: e.loss,
    top1: e.top1,
    top5: e.top5,
    perClass: Object.fromEntries(classes.map((k, i) => [k, e.perClass[i] ?? null])),
    classes,
    confusion: e.confusion,
  };
  await writeAtomic(outFile, JSON.stringify(result, null, 2) + "\n");
  if (values.json) {
    io.stdout(JSON.stringify(result) + "\n");
    return 0;
  }
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const lines = [
    `${split}: ${e.count} images, loss ${e.loss.toFixed(4)}, top-1 ${pct(e.top1)}, top-5 ${
      pct(e.top5)
    }`,
    "",
    "class        top-1",
    ...classes.map((k, i) => `${k.padEnd(11)} ${pct(e.perClass[i]!).padStart(7)}`),
    "",
    "confusion matrix (rows: true class, columns: predicted)",
    "           " + classes.map((k) => k.slice(0, 5).padStart(6)).join(""),
    ...e.confusion.map((row, i) =>
      classes[i]!.padEnd(11) + row.map((n) => String(n).padStart(6)).join("")
    ),
    "",
    `Wrote ${outFile}`,
  ];
  io.stdout(lines.join("\n") + "\n");
  return 0;
}
