// Runs a validated pipeline config: loads CIFAR-10, builds the spec, trains with logging and
// checkpoints, and writes the run folder.
import { join } from "node:path";
import { stringify } from "yaml";
import { type BackendName, useBackend } from "../backends/mod.ts";
import { cifarDataset, loadCifar10 } from "../data/mod.ts";
import type { Spec } from "../dsl/mod.ts";
import {
  type Callback,
  checkpointing,
  consoleLogger,
  earlyStopping,
  type Evaluation,
  findCheckpoint,
  type OptimizerConfig,
  type Schedule,
  train,
  type TrainResult,
} from "../train/mod.ts";
import type { PipelineConfig } from "./_config_schema.ts";
import { liveReport, writeMistakes, writeRunReport } from "../report/mod.ts";
import { collectProvenance, endProvenance, type Provenance } from "./_provenance.ts";

/** Where a run's output goes. */
export interface RunIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Draw a progress bar on stderr. */
  readonly progress: boolean;
  /** Print one JSON object per epoch on stdout. */
  readonly json: boolean;
}

/** Writes the final evaluation in a readable JSON form. */
function evaluationJson(e: Evaluation, classes: readonly string[]): unknown {
  return {
    count: e.count,
    loss: e.loss,
    top1: e.top1,
    top5: e.top5,
    perClass: Object.fromEntries(classes.map((c, i) => [c, e.perClass[i] ?? null])),
    classes,
    confusion: e.confusion,
  };
}

/** Runs the config into `out`; resumes from `out`'s last checkpoint when `resume` is set. */
export async function runPipeline(
  config: PipelineConfig,
  spec: Spec,
  out: string,
  resume: boolean,
  io: RunIo,
): Promise<TrainResult> {
  const backend = await useBackend(config.backend as BackendName, { quiet: false });
  const data = await loadCifar10({
    ...(config.data.path !== null ? { data: config.data.path } : {}),
    ...(config.data.cacheDir !== null ? { cacheDir: config.data.cacheDir } : {}),
    ...(config.data.limitTrain !== null ? { limitTrain: config.data.limitTrain } : {}),
    ...(config.data.limitTest !== null ? { limitTest: config.data.limitTest } : {}),
  });
  io.stderr(
    `Data ${data.source}: ${data.train.size} training, ${data.test.size} test images\n`,
  );
  await Deno.mkdir(join(out, "checkpoints"), { recursive: true });
  await Deno.writeTextFile(join(out, "config.yaml"), stringify(config));
  await Deno.writeTextFile(join(out, "spec.json"), JSON.stringify(spec.toJSON(), null, 2) + "\n");
  const provenance = await collectProvenance(backend);
  const writeProvenance = (p: Provenance) =>
    Deno.writeTextFile(join(out, "provenance.json"), JSON.stringify(p, null, 2) + "\n");
  await writeProvenance(provenance);
  const metrics = join(out, "metrics.jsonl");
  if (!resume) await Deno.writeTextFile(metrics, "");
  const callbacks: Callback[] = [
    consoleLogger({ write: io.stderr, progress: io.progress }),
    {
      async onEpochEnd(e) {
        const line = JSON.stringify(e);
        await Deno.writeTextFile(metrics, line + "\n", { append: true });
        if (io.json) io.stdout(line + "\n");
      },
    },
    liveReport({ dir: out }),
  ];
  const es = config.train.earlyStopping;
  if (es) {
    callbacks.push(
      earlyStopping({ monitor: es.monitor, patience: es.patience, minDelta: es.minDelta }),
    );
  }
  callbacks.push(checkpointing({ dir: join(out, "checkpoints"), monitor: "valAccuracy" }));
  const t = config.train;
  let result: TrainResult;
  try {
    result = await train(spec, {
      train: cifarDataset(data.train, { augment: config.data.augment }),
      validation: cifarDataset(data.test),
      epochs: t.epochs,
      batchSize: t.batchSize,
      seed: t.seed,
      labelSmoothing: t.labelSmoothing,
      optimizer: t.optimizer as OptimizerConfig,
      schedule: t.schedule as Schedule,
      evaluateBatchSize: t.evaluateBatchSize,
      callbacks,
      ...(resume ? { resume: await findCheckpoint(out) } : {}),
    });
  } catch (e) {
    await writeProvenance(endProvenance(provenance));
    await writeRunReport(out, { status: "failed", reason: (e as Error).message });
    throw e;
  }
  if (result.evaluation) {
    const ev = evaluationJson(result.evaluation, data.classes);
    await Deno.writeTextFile(join(out, "evaluation.json"), JSON.stringify(ev, null, 2) + "\n");
    const e = result.evaluation;
    io.stderr(
      `Test: accuracy ${(e.top1 * 100).toFixed(2)}%, top-5 ${(e.top5 * 100).toFixed(2)}%, ` +
        `loss ${e.loss.toFixed(4)} on ${e.count} images. Run folder: ${out}\n`,
    );
    const test = data.test;
    await writeMistakes(
      out,
      e.mistakes,
      data.classes,
      (i) => test.pixels.subarray(i * 3072, (i + 1) * 3072),
    );
  }
  await writeProvenance(endProvenance(provenance));
  io.stderr(`Report: ${await writeRunReport(out, { status: "finished" })}\n`);
  return result;
}
