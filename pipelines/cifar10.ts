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
import { flagErrorMessage } from "./_flag_error.ts";
import { join } from "node:path";
import { BACKEND_NAMES } from "../backends/mod.ts";
import { ConfigError, parseConfig, specFrom } from "./_config.ts";
import { applyFlags, type Flags, parseFlags } from "./_flags.ts";
import { exitCodeOf, isGraftError } from "./_exit.ts";
import { runPipeline } from "./_run.ts";
import { COMMANDS, runCommand } from "./_commands.ts";
import { DEFAULT_CONFIG, readConfigText } from "./_builtin_configs.ts";
import { needsFromFlags, permissionAdvice } from "./_permissions.ts";
import { ENGINE_HELP, launcherFrom } from "../engines/torch/cli.ts";
import { torchTrainer } from "../engines/torch/_pipeline.ts";

const HELP = `Train a Graft spec on CIFAR-10.

Usage: deno task cifar10 [options]
       deno task cifar10 report|evaluate|predict|export ... (each with --help)

Commands:
  report RUN_DIR [RUN_DIR...]   Rewrite a run's report.html, or compare several runs
  evaluate RUN_DIR              Loss, top-1/top-5, per-class accuracy, confusion matrix
  predict RUN_DIR IMAGE...      Top-5 classes of PNG or JPEG images
  export RUN_DIR --format tfjs|torch --out DIR   The TensorFlow.js layers model, or a folder
                                that trains the run with PyTorch without Deno

Options:
  --config FILE.yaml   Pipeline config (default: pipelines/cifar10.yaml, the seed recipe:
                       vgg16, head replaced by 10 classes, classifier.2 dropped, features frozen,
                       SGD lr 0.001 momentum 0.9, cross-entropy)
  --data PATH|URL      CIFAR-10: a folder with cifar-10-batches-bin, a cifar-10-binary.tar.gz, or
                       a URL (default: download the official archive once into the cache)
  --model NAME         Zoo base model: vgg11, vgg13, vgg16, vgg19, resnet18, resnet34, resnet50,
                       resnet101, resnet152, small_vgg (the config's edits still apply; an
                       error with a config whose base is custom)
  --epochs N           Epochs to train (with --resume: the last epoch to reach)
  --batch-size N       Images per step
  --lr X               Learning rate of every trainable group
  --backend NAME       ${BACKEND_NAMES.join(", ")}
  --seed N             Seed of weights, shuffling and augmentation
  --out RUN_DIR        Run folder (default: runs/<name>-<date>-<time>); refused if it holds
                       anything, unless --overwrite or --resume
  --overwrite          Empty --out first
  --validation N       Images held out of the training set for validation (default 5000,
                       stratified, chosen by --seed; 0: none, and no best checkpoint)
  --limit-train N      Train on only the first N of the remaining training images
  --limit-test N       Use only the first N test images (evaluated once, at the end)
  --resize N           Resize images to N×N (bilinear, as torchvision's Resize)
  --resume RUN_DIR     Continue a stopped run from its last checkpoint (its config.yaml is used;
                       flags that would change what its finished epochs meant are refused;
                       --epochs N extends it)
  --json               Print one JSON object per epoch on stdout
  --debug              Print the stack trace of an error
${ENGINE_HELP}  -h, --help           Show this help

Exit codes: 0 done, 1 the run failed, 2 bad arguments, config, data, weights or run folder.

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
    flags = parseFlags(args).values;
  } catch (e) {
    const message = flagErrorMessage(e as Error);
    io.stderr(`Invalid arguments: ${message}: run with --help for the options\n`);
    return 2;
  }
  if (flags.help) {
    io.stdout(HELP);
    return 0;
  }
  const denied = permissionAdvice(needsFromFlags(flags), args);
  if (denied) return io.stderr(denied), 2;
  try {
    const resume = flags.resume !== undefined;
    if (resume && (flags.overwrite || flags.out !== undefined)) {
      throw new ConfigError("from the command line", [{
        key: flags.overwrite ? "--overwrite" : "--out",
        message: "cannot be used with --resume (the run folder is the one resumed)",
      }]);
    }
    const file = flags.config ?? (resume ? join(flags.resume!, "config.yaml") : DEFAULT_CONFIG);
    let text: string;
    try {
      text = await readConfigText(file);
    } catch (e) {
      throw new ConfigError(file, [{
        key: resume && flags.config === undefined ? "--resume" : "--config",
        message: `${file} cannot be read (${(e as Error).message})` +
          (resume && Number(flags["node-rank"] ?? 0) > 0 && flags.config === undefined
            ? ": on a machine other than node 0, give the run's config with --config instead " +
              "(node 0's engine sends the checkpoint)"
            : ""),
      }], "Cannot read the config");
    }
    const { config: fromFile, locator } = parseConfig(text, file);
    const config = applyFlags(fromFile, flags);
    const spec = specFrom(config, flags.model === undefined ? locator : undefined, file);
    const out = resume ? flags.resume! : config.out ?? join("runs", `${config.name}-${stamp()}`);
    const launcher = launcherFrom(flags, config.name);
    await runPipeline({ ...config, out }, spec, out, {
      resume,
      overwrite: flags.overwrite ?? false,
    }, {
      stdout: io.stdout,
      stderr: io.stderr,
      progress: io.tty,
      json: flags.json ?? false,
    }, launcher ? torchTrainer(launcher, io.stderr) : undefined);
    return 0;
  } catch (e) {
    const code = exitCodeOf(e);
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(
      isGraftError(e)
        ? `${message}\n`
        : `Error: ${message}${flags.debug ? "" : " (run with --debug for the stack trace)"}\n`,
    );
    if (flags.debug && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return code;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
