// `deno task cifar10 predict RUN_DIR IMAGE… [--json]`
import { parseArgs } from "node:util";
import { CIFAR10_CLASSES, cifarDataset, CifarSplit } from "../data/mod.ts";
import { predict } from "../train/mod.ts";
import { CliError, type CommandIo, permitted } from "./_cli_error.ts";
import { decodeImage, toPlanar } from "./_decode_image.ts";
import { openRun } from "./_run_model.ts";

const HELP = `Classify images with a run's trained model.

Usage: deno task cifar10 predict RUN_DIR IMAGE... [options]

Each IMAGE is a PNG or JPEG file of any size. It is brought to CIFAR-10's 32×32 (area-averaged
when shrinking, as CIFAR-10's images were made from larger photos), then resized and normalised
exactly as the run's data were (data.resize in its config). Prints the five most likely classes of each image with their probabilities.

Options:
  --json               One JSON array on stdout: [{ file, width, height, top5: [{ class,
                       probability }] }]
  --checkpoint WHICH   best, last, or a checkpoint file (default: best, else last)
  -h, --help           Show this help

Exit codes: 0 done, 1 the command failed, 2 bad input: arguments, or a run folder, checkpoint or
image that is missing or unusable (not a PNG or JPEG).
`;

/** Runs the `predict` command. */
export async function predictCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      checkpoint: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const [dir, ...files] = positionals;
  if (!dir || files.length === 0) throw new CliError("Expected RUN_DIR and at least one IMAGE", 2);
  if (!permitted(io, ["predict", ...args], { read: positionals })) return 2;
  // Images first: a bad file fails before the model is built.
  const images = await Promise.all(files.map(async (file) => {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file);
    } catch (e) {
      throw new CliError(`Cannot read ${file}: ${(e as Error).message}`);
    }
    return { file, ...decodeImage(bytes, file) };
  }));
  const run = await openRun(dir, values.checkpoint ? { checkpoint: values.checkpoint } : {});
  const resize = run.config.data.resize ?? undefined;
  const pixels = new Uint8Array(images.length * 3072);
  images.forEach((img, i) => pixels.set(toPlanar(img, 32, 32), i * 3072));
  const split = new CifarSplit("predict", { labels: new Uint8Array(images.length), pixels });
  const probs = await predict(
    run.model,
    cifarDataset(split, resize !== undefined ? { resize } : {}),
  );
  run.model.dispose();
  const classes = CIFAR10_CLASSES;
  const results = images.map((img, i) => {
    const p = probs[i]!;
    const top5 = [...p.keys()].sort((a, b) => p[b]! - p[a]!).slice(0, 5)
      .map((k) => ({ class: classes[k] ?? String(k), probability: Number(p[k]!.toFixed(6)) }));
    return { file: img.file, width: img.width, height: img.height, top5 };
  });
  if (values.json) {
    io.stdout(JSON.stringify(results, null, 2) + "\n");
    return 0;
  }
  io.stderr(`Model: ${run.checkpoint}\n`);
  for (const r of results) {
    io.stdout(`${r.file} (${r.width}×${r.height})\n`);
    for (const t of r.top5) {
      io.stdout(`  ${t.class.padEnd(11)} ${(t.probability * 100).toFixed(1).padStart(5)}%\n`);
    }
  }
  return 0;
}
