// Runs a validated pipeline config. Everything that can be checked is checked before the run
// folder is touched (config, model head, data, weights, the folder itself); then the folder is
// locked, each epoch committed in a kill-safe order (_commit.ts), the test set evaluated once at
// the end, and run.json says whether the run finished or failed.
import { join } from "node:path";
import { stringify } from "yaml";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type BackendName, useBackend } from "../backends/mod.ts";
import { type Cifar10, cifarDataset, type CifarSplit, holdOut, loadCifar10 } from "../data/mod.ts";
import { GraftError } from "../errors/mod.ts";
import type { Spec } from "../dsl/mod.ts";
import {
  type Callback,
  consoleLogger,
  earlyStopping,
  evaluate,
  type Evaluation,
  type Schedule,
  train,
  type TrainOptions,
  type TrainResult,
  trainStateOf,
} from "../train/mod.ts";
import {
  buildWithWeights,
  findCheckpoint,
  readCheckpoint,
  resolveWeights,
} from "../weights/mod.ts";
import { epochCommit } from "./_commit.ts";
import { ConfigError, parseConfig } from "./_config.ts";
import type { PipelineConfig } from "./_config_schema.ts";
import { checkResume, restoreRunFolder, scheduleContinuation } from "./_resume.ts";
import { checkNewRunFolder, readStatus, RunFolder, writeAtomic } from "./_run_folder.ts";
import { liveReport, writeMistakes, writeRunReport } from "../report/mod.ts";
import { collectProvenance, endProvenance, type Provenance } from "./_provenance.ts";
import { nativeAdvice } from "./_native_advice.ts";

/** Where a run's output goes. */
export interface RunIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Draw a progress bar on stderr. */
  readonly progress: boolean;
  /** Print one JSON object per epoch on stdout. */
  readonly json: boolean;
}

/** How the run folder is used. */
export interface RunMode {
  /** Continue the run in `out`. */
  readonly resume: boolean;
  /** Empty `out` first if it holds anything. */
  readonly overwrite: boolean;
}

/** Writes the final evaluation in a readable JSON form. */
function evaluationJson(e: Evaluation, classes: readonly string[], split: string): unknown {
  return {
    split,
    count: e.count,
    loss: e.loss,
    top1: e.top1,
    top5: e.top5,
    perClass: Object.fromEntries(classes.map((c, i) => [c, e.perClass[i] ?? null])),
    classes,
    confusion: e.confusion,
  };
}

/** The number of outputs of the spec's last layer, or undefined when it is not a vector. */
function headUnits(spec: Spec): number | undefined {
  const shapes = [...spec.shapes().values()];
  const out = shapes[shapes.length - 1];
  return out && out.length === 1 ? out[0] : undefined;
}

/** Checks what the config alone decides; every problem at once. */
function checkConfig(config: PipelineConfig, spec: Spec, classes: number): void {
  const problems = [];
  const units = headUnits(spec);
  if (units !== classes) {
    problems.push({
      key: "model",
      message:
        `the model's head gives ${
          units === undefined ? "no vector of class scores" : `${units} outputs`
        } but CIFAR-10 has ${classes} classes: add "- replaceHead: ${classes}" to model.edits` +
        ` (or set model.classes: ${classes})`,
    });
  }
  const es = config.train.earlyStopping;
  if (config.data.validation === 0 && es && es.monitor.startsWith("val")) {
    problems.push({
      key: "train.earlyStopping.monitor",
      message: `${es.monitor} needs a validation split, and data.validation is 0`,
    });
  }
  if (problems.length) throw new ConfigError("", problems, "Cannot train this config");
}

/** Loads the data and resolves the weights; when both fail, one message names every file. */
async function fetchInputs(config: PipelineConfig, spec: Spec): Promise<Cifar10> {
  const d = config.data;
  const loading = loadCifar10({
    ...(d.path !== null ? { data: d.path } : {}),
    ...(d.cacheDir !== null ? { cacheDir: d.cacheDir } : {}),
    ...(d.limitTest !== null ? { limitTest: d.limitTest } : {}),
  }).then((data) => ({ data }), (error: unknown) => ({ error }));
  const weights = spec.weights === undefined
    ? Promise.resolve({})
    : resolveWeights(spec.name, spec.weights).then(() => ({}), (error: unknown) => ({ error }));
  const [a, b] = await Promise.all([loading, weights]);
  const errors = [a, b].flatMap((r) => "error" in r ? [r.error] : []);
  if (errors.length === 2 && errors.every((e) => e instanceof GraftError)) {
    const [d, w] = errors as GraftError[];
    throw new GraftError(
      "Cannot get the data and the weights this run needs (offline?): fetch each file and " +
        "save it where it says, or point the config at local copies (data.path or --data, " +
        `model.weights):\n  - ${d!.message}\n  - ${w!.message}`,
      [...d!.problems, ...w!.problems],
      2,
    );
  }
  if (errors.length) throw errors[0];
  return (a as { data: Cifar10 }).data;
}

/**
 * What trains: Graft's `train()` by default, or another engine (engines/torch) given the raw
 * splits too, so that it can prepare the data itself. A `worker` trainer runs on a machine other
 * than node 0 of a multi-machine run: it only lends its processes, so the run reads and writes
 * nothing of the run folder there and evaluates nothing (node 0 does).
 */
export type Trainer =
  & ((
    model: tfl.LayersModel,
    spec: Spec,
    options: TrainOptions,
    data: {
      readonly train: CifarSplit;
      readonly validation?: CifarSplit;
      readonly augment: boolean;
      /** The run folder (an engine keeps its working files there while it runs). */
      readonly out: string;
    },
  ) => Promise<TrainResult>)
  & { readonly worker?: boolean };

/** Runs the config into `out` (a new run, or continues the one there with `mode.resume`). */
export async function runPipeline(
  config: PipelineConfig,
  spec: Spec,
  out: string,
  mode: RunMode,
  io: RunIo,
  trainer: Trainer = train,
): Promise<TrainResult | undefined> {
  // 1. Everything checked before the folder is touched.
  const classes = 10;
  checkConfig(config, spec, classes);
  let done = 0;
  let runConfig: PipelineConfig | undefined;
  const worker = trainer.worker === true;
  if (mode.resume && !worker) {
    runConfig = await readRunConfig(out);
    const file = await findCheckpoint(out).catch(() => undefined);
    // A damaged checkpoint is the user's to look at: reported before anything is touched.
    const info = file === undefined ? undefined : trainStateOf(await readCheckpoint(file));
    done = info?.epoch ?? 0;
    checkResume(out, runConfig, config, done);
    const status = await readStatus(out);
    if (status?.status === "finished" && config.train.epochs <= done) {
      io.stderr(
        `Run ${out} is finished: ${done} of ${runConfig.train.epochs} epochs trained${
          status.reason ? ` (${status.reason})` : ""
        }, its test result in evaluation.json. Nothing to do: pass --epochs N (more than ${done}) ` +
          `to train further\n`,
      );
      return undefined;
    }
  } else if (!worker) {
    await checkNewRunFolder(out, mode.overwrite);
  }
  // Only a run that got this far chooses a backend: only it hears how to get the fast one.
  io.stderr(nativeAdvice(config.backend) ?? "");
  const backend = await useBackend(config.backend as BackendName, { quiet: false });
  const data = await fetchInputs(config, spec);
  const held = holdOut(data.train, config.data.validation, config.train.seed);
  const trainSplit = held.train.limit(config.data.limitTrain ?? undefined);
  io.stderr(
    `Data ${data.source}: ${trainSplit.size} training, ${held.validation.size} validation ` +
      `(held out of the training images), ${data.test.size} test images\n`,
  );
  const resize = config.data.resize ?? undefined;
  const dataset = (s: typeof trainSplit, augment: boolean) =>
    cifarDataset(s, { augment, ...(resize !== undefined ? { resize } : {}) });
  const model = (await buildWithWeights(spec, { seed: config.train.seed })).model;
  const stepsPerEpoch = Math.ceil(trainSplit.size / config.train.batchSize);
  const t = config.train;
  const validation = held.validation.size > 0;
  const options = {
    train: dataset(trainSplit, config.data.augment),
    ...(validation ? { validation: dataset(held.validation, false) } : {}),
    epochs: t.epochs,
    batchSize: t.batchSize,
    seed: t.seed,
    labelSmoothing: t.labelSmoothing,
    optimizer: t.optimizer,
    schedule: t.schedule,
    evaluateBatchSize: t.evaluateBatchSize,
  };
  const splits = {
    train: trainSplit,
    ...(validation ? { validation: held.validation } : {}),
    augment: config.data.augment,
    out,
  };
  if (worker) {
    await trainer(model, spec, options, splits);
    return undefined;
  }
  if (runConfig && config.train.epochs !== runConfig.train.epochs) {
    io.stderr(
      scheduleContinuation(
        config.train.schedule as Schedule,
        runConfig.train.epochs,
        config.train.epochs,
        done,
        stepsPerEpoch,
      ) + "\n",
    );
  }

  // 2. The folder: locked, then written.
  const folder = await RunFolder.open(
    out,
    mode.resume ? "resume" : mode.overwrite ? "overwrite" : "new",
    io.stderr,
  );
  const status = (s: "running" | "failed" | "finished", epoch: number, reason?: string) =>
    folder.setStatus({
      status: s,
      epoch,
      epochs: config.train.epochs,
      ...(reason !== undefined ? { reason } : {}),
    });
  let epoch = done;
  const provenance = await collectProvenance(backend);
  const writeProvenance = (p: Provenance) =>
    writeAtomic(join(out, "provenance.json"), JSON.stringify(p, null, 2) + "\n");
  const removeHandlers = folder.onInterrupt(() => ({ epoch, epochs: config.train.epochs }));
  try {
    await writeProvenance(provenance);
    let checkpoint: string | undefined;
    if (mode.resume) {
      const orphans = await folder.removeOrphans();
      if (orphans.length) io.stderr(`Removed ${orphans.join(", ")} (left by a killed run)\n`);
      const state = await restoreRunFolder(out);
      checkpoint = state.checkpoint;
      epoch = state.epoch;
      if (!checkpoint) io.stderr(`${out} holds no finished epoch: starting at epoch 1\n`);
      if (JSON.stringify(runConfig) !== JSON.stringify(config)) {
        await writeAtomic(join(out, "config.yaml"), stringify(config));
      }
    } else {
      await writeAtomic(join(out, "config.yaml"), stringify(config));
      await writeAtomic(join(out, "spec.json"), JSON.stringify(spec.toJSON(), null, 2) + "\n");
      await writeAtomic(join(out, "metrics.jsonl"), "");
    }
    await status("running", epoch);
    const callbacks: Callback[] = [
      epochCommit(folder, {
        validation,
        onLine: (line) => io.json && io.stdout(line + "\n"),
        status: (e) => {
          epoch = e;
          return status("running", e);
        },
      }),
      liveReport({ dir: out }), // after the commit: it reads metrics.jsonl
    ];
    if (epoch < config.train.epochs) {
      callbacks.unshift(consoleLogger({ write: io.stderr, progress: io.progress }));
    }
    const es = config.train.earlyStopping;
    // Before the commit: the checkpoint it writes holds early stopping's state of this epoch.
    if (es) {
      const at = callbacks.findIndex((c) => c.stateKey === "checkpointing");
      callbacks.splice(at, 0, earlyStopping(es));
    }
    const result = await trainer(model, spec, {
      ...options,
      callbacks,
      ...(checkpoint ? { resume: checkpoint } : {}),
    }, splits);
    // 3. The test set, once, at the end.
    const test = await evaluateTest(result.model, dataset(data.test, false), t.evaluateBatchSize);
    const ev = evaluationJson(test, data.classes, "test");
    await writeAtomic(join(out, "evaluation.json"), JSON.stringify(ev, null, 2) + "\n");
    io.stderr(
      `Test: accuracy ${(test.top1 * 100).toFixed(2)}%, top-5 ${(test.top5 * 100).toFixed(2)}%, ` +
        `loss ${test.loss.toFixed(4)} on ${test.count} images. Run folder: ${out}\n`,
    );
    await writeMistakes(
      out,
      test.mistakes,
      data.classes,
      (i) => data.test.pixels.subarray(i * 3072, (i + 1) * 3072),
    );
    await writeProvenance(endProvenance(provenance));
    await status("finished", result.epoch, result.reason);
    io.stderr(`Report: ${await writeRunReport(out, { status: "finished" })}\n`);
    return result;
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
    await status("failed", epoch, reason).catch(() => {});
    await writeProvenance(endProvenance(provenance)).catch(() => {});
    await writeRunReport(out, { status: "failed", reason }).catch(() => {});
    throw e;
  } finally {
    removeHandlers();
    await folder.close();
  }
}

function evaluateTest(
  model: tfl.LayersModel,
  test: ReturnType<typeof cifarDataset>,
  batchSize: number,
): Promise<Evaluation> {
  return evaluate(model, test, { batchSize });
}

async function readRunConfig(out: string): Promise<PipelineConfig> {
  const file = join(out, "config.yaml");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new ConfigError("", [{
      key: "--resume",
      message: `${out} is not a run folder: ${file} cannot be read (${(e as Error).message})`,
    }], "Cannot resume");
  }
  return parseConfig(text, file).config;
}
