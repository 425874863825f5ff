/**
 * `deno task cifar10`: trains a Graft spec on CIFAR-10 from a YAML pipeline config (default: the
 * seed recipe in `pipelines/cifar10.yaml`), with flags that override it. Writes a run folder with
 * the resolved config, `metrics.jsonl`, checkpoints and the final evaluation.
 *
 * @example
 * ```sh
 * deno task cifar10 --config pipelines/cifar10_small.yaml \
 *   --data ../shared/cifar10/cifar-10-binary.tar.gz --limit-train 5000 --epochs 2
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { BACKEND_NAMES } from "../backends/mod.ts";
import { GraftError } from "../errors/mod.ts";
import { ConfigError, parseConfig, specFrom } from "./_config.ts";
import type { PipelineConfig } from "./_config_schema.ts";
import { runPipeline } from "./_run.ts";
import { COMMANDS, runCommand } from "./_commands.ts";

const DEFAULT_CONFIG = fileURLToPath(new URL("./cifar10.yaml", import.meta.url));

const HELP = `Train a Graft spec on CIFAR-10.

Usage: deno task cifar10 [options]
       deno task cifar10 report|evaluate|predict|export ... (each with --help)

Commands:
  report RUN_DIR [RUN_DIR...]   Rewrite a run's report.html, or compare several runs
  evaluate RUN_DIR              Loss, top-1/top-5, per-class accuracy, confusion matrix
  predict RUN_DIR IMAGE...      Top-5 classes of PNG or JPEG images
  export RUN_DIR --format tfjs --out DIR   The TensorFlow.js layers model

Options:
  --config FILE.yaml   Pipeline config (default: pipelines/cifar10.yaml, the seed recipe:
                       vgg16, head replaced by 10 classes, classifier.2 dropped, features frozen,
                       SGD lr 0.001 momentum 0.9, cross-entropy)
  --data PATH|URL      CIFAR-10: a folder with cifar-10-batches-bin, a cifar-10-binary.tar.gz, or
                       a URL (default: download the official archive once into the cache)
  --model NAME         Base model: vgg11, vgg13, vgg16, vgg19, small_vgg, custom (the config's
                       edits still apply)
  --epochs N           Epochs to train (with --resume: the last epoch to reach)
  --batch-size N       Images per step
  --lr X               Learning rate of every trainable group
  --backend NAME       ${BACKEND_NAMES.join(", ")}
  --seed N             Seed of weights, shuffling and augmentation
  --out RUN_DIR        Run folder (default: runs/<name>-<date>-<time>)
  --limit-train N      Use only the first N training images
  --limit-test N       Use only the first N test images
  --resume RUN_DIR     Continue a stopped run from its last checkpoint (its config.yaml is used;
                       flags still override)
  --json               Print one JSON object per epoch on stdout
  -h, --help           Show this help

Quick small-VGG demo (minutes on CPU):
  deno task cifar10 --config pipelines/cifar10_small.yaml \\
    --data ../shared/cifar10/cifar-10-binary.tar.gz --limit-train 5000 --epochs 2
`;

/** Output streams of the CLI (tests pass their own). */
export interface CliIo {
  /** Standard output (JSON lines with --json). */
  readonly stdout: (text: string) => void;
  /** Standard error (logs, progress, errors). */
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bar). */
  readonly tty: boolean;
}

const encoder = new TextEncoder();
const realIo: CliIo = {
  stdout: (t) => void Deno.stdout.writeSync(encoder.encode(t)),
  stderr: (t) => void Deno.stderr.writeSync(encoder.encode(t)),
  get tty() {
    return Deno.stderr.isTerminal();
  },
};

function stamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${
    p(d.getMinutes())
  }${p(d.getSeconds())}`;
}

type Flags = ReturnType<typeof parse>["values"];

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      config: { type: "string" },
      data: { type: "string" },
      model: { type: "string" },
      epochs: { type: "string" },
      "batch-size": { type: "string" },
      lr: { type: "string" },
      backend: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      "limit-train": { type: "string" },
      "limit-test": { type: "string" },
      resume: { type: "string" },
      json: { type: "boolean" },
    },
  });
}

/** Applies flags over a validated config; bad flag values are reported by flag name. */
function applyFlags(config: PipelineConfig, f: Flags): PipelineConfig {
  const problems: { key: string; message: string }[] = [];
  const int = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      problems.push({ key: `--${flag}`, message: `expected an integer >= ${min}, got "${v}"` });
      return undefined;
    }
    return n;
  };
  const c = structuredClone(config) as PipelineConfig & Record<string, never>;
  const epochs = int("epochs", f.epochs, 1);
  const batch = int("batch-size", f["batch-size"], 1);
  const seed = int("seed", f.seed, 0);
  const lt = int("limit-train", f["limit-train"], 1);
  const le = int("limit-test", f["limit-test"], 1);
  if (epochs !== undefined) c.train.epochs = epochs;
  if (batch !== undefined) c.train.batchSize = batch;
  if (seed !== undefined) c.train.seed = seed;
  if (lt !== undefined) c.data.limitTrain = lt;
  if (le !== undefined) c.data.limitTest = le;
  if (f.lr !== undefined) {
    const lr = Number(f.lr);
    if (!(lr >= 0) || f.lr.trim() === "") {
      problems.push({ key: "--lr", message: `expected a number >= 0, got "${f.lr}"` });
    } else c.train.optimizer = { ...c.train.optimizer, lr };
  }
  if (f.data !== undefined) c.data.path = f.data;
  if (f.out !== undefined) c.out = f.out;
  if (f.backend !== undefined) {
    if (!(BACKEND_NAMES as readonly string[]).includes(f.backend)) {
      problems.push({
        key: "--backend",
        message: `expected one of ${BACKEND_NAMES.join(", ")}, got "${f.backend}"`,
      });
    } else c.backend = f.backend;
  }
  if (f.model !== undefined) {
    const models = ["vgg11", "vgg13", "vgg16", "vgg19", "small_vgg", "custom"];
    if (!models.includes(f.model)) {
      problems.push({
        key: "--model",
        message: `expected one of ${models.join(", ")}, got "${f.model}"`,
      });
    } else c.model.base = f.model as PipelineConfig["model"]["base"];
  }
  if (problems.length) throw new ConfigError("from the command line", problems);
  return c;
}

/**
 * Runs the CLI with `args` and returns the exit code: 0 on success, 2 for bad input (flags,
 * config, spec, data or weight files), 1 when a run that started fails (see `GraftError`).
 *
 * @example
 * ```ts ignore
 * import { main } from "./pipelines/cifar10.ts";
 * Deno.exit(await main(["--help"]));
 * ```
 */
export async function main(args: string[], io: CliIo = realIo): Promise<number> {
  if (args[0] !== undefined && Object.hasOwn(COMMANDS, args[0])) {
    return await runCommand(args[0], args.slice(1), io);
  }
  let flags: Flags;
  try {
    flags = parse(args).values;
  } catch (e) {
    io.stderr(`Invalid arguments: ${(e as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (flags.help) {
    io.stdout(HELP);
    return 0;
  }
  try {
    const resume = flags.resume !== undefined;
    const file = flags.config ?? (resume ? join(flags.resume!, "config.yaml") : DEFAULT_CONFIG);
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      throw new ConfigError(file, [{
        key: "--config",
        message: `cannot be read (${(e as Error).message})`,
      }]);
    }
    const { config: fromFile, locator } = parseConfig(text, file);
    const config = applyFlags(fromFile, flags);
    const spec = specFrom(config, flags.model === undefined ? locator : undefined, file);
    const out = resume ? flags.resume! : config.out ?? join("runs", `${config.name}-${stamp()}`);
    await runPipeline({ ...config, out }, spec, out, resume, {
      stdout: io.stdout,
      stderr: io.stderr,
      progress: io.tty,
      json: flags.json ?? false,
    });
    return 0;
  } catch (e) {
    if (e instanceof GraftError) {
      io.stderr(`${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
