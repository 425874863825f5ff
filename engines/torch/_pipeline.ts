import { join } from "node:path";
import { stringify } from "yaml";
import { useBackend } from "../../backends/mod.ts";
import { loadCifar10 } from "../../data/mod.ts";
import type { Spec } from "../../dsl/mod.ts";
import { type Callback, consoleLogger, findCheckpoint } from "../../train/mod.ts";
import type { OptimizerConfig } from "../../train/optimizers.ts";
import type { Schedule } from "../../train/schedules.ts";
import { buildWithWeights } from "../../weights/build_with_weights.ts";
import { collectWeights } from "../../weights/checkpoint.ts";
import type { PipelineConfig } from "../../pipelines/_config_schema.ts";
import { evaluationJson, type RunIo } from "../../pipelines/_run.ts";
import { type TorchLauncher, type TorchTrainResult, trainTorch } from "./train_torch.ts";

/**
 * Runs a pipeline config with the PyTorch engine into the same run folder a TensorFlow.js run
 * writes: `config.yaml`, `spec.json`, `metrics.jsonl`, `checkpoints/last.safetensors` and
 * `best.safetensors` (Graft's checkpoint format), `evaluation.json`. Deno loads CIFAR-10 once and
 * builds the starting weights (the seed's initialisation, or the config's pretrained weights);
 * PyTorch trains.
 *
 * @example
 * ```ts ignore
 * import { runTorchPipeline } from "./engines/torch/_pipeline.ts";
 * await runTorchPipeline(config, spec, "runs/torch", false, io, { kind: "python" });
 * ```
 */
export async function runTorchPipeline(
  config: PipelineConfig,
  spec: Spec,
  out: string,
  resume: boolean,
  io: RunIo,
  launcher: TorchLauncher,
): Promise<TorchTrainResult> {
  const data = await loadCifar10({
    ...(config.data.path !== null ? { data: config.data.path } : {}),
    ...(config.data.cacheDir !== null ? { cacheDir: config.data.cacheDir } : {}),
    ...(config.data.limitTrain !== null ? { limitTrain: config.data.limitTrain } : {}),
    ...(config.data.limitTest !== null ? { limitTest: config.data.limitTest } : {}),
  });
  io.stderr(`Data ${data.source}: ${data.train.size} training, ${data.test.size} test images\n`);
  const resumeFrom = resume ? await findCheckpoint(out) : undefined;
  let initialWeights;
  if (!resumeFrom) {
    await useBackend("cpu", { quiet: true });
    const { model } = await buildWithWeights(spec, { seed: config.train.seed });
    initialWeights = collectWeights(model, spec);
    model.dispose();
  }
  await Deno.mkdir(join(out, "checkpoints"), { recursive: true });
  await Deno.writeTextFile(join(out, "config.yaml"), stringify(config));
  await Deno.writeTextFile(join(out, "spec.json"), JSON.stringify(spec.toJSON(), null, 2) + "\n");
  const metrics = join(out, "metrics.jsonl");
  if (!resume) await Deno.writeTextFile(metrics, "");
  const callbacks: Callback[] = [
    {
      onTrainBegin(e) {
        const where = e as { device?: string; world?: number };
        io.stderr(
          `Engine torch: ${where.world ?? 1} process(es) on ${where.device ?? "cpu"}` +
            `${launcher.kind === "torchrun" ? " (torchrun)" : ""}\n`,
        );
      },
    },
    consoleLogger({ write: io.stderr, progress: io.progress }),
    {
      async onEpochEnd(e) {
        const line = JSON.stringify(e);
        await Deno.writeTextFile(metrics, line + "\n", { append: true });
        if (io.json) io.stdout(line + "\n");
      },
    },
  ];
  const t = config.train;
  const es = t.earlyStopping;
  const result = await trainTorch(spec, {
    train: data.train,
    validation: data.test,
    augment: config.data.augment,
    epochs: t.epochs,
    batchSize: t.batchSize,
    seed: t.seed,
    labelSmoothing: t.labelSmoothing,
    optimizer: t.optimizer as OptimizerConfig,
    schedule: t.schedule as Schedule,
    evaluateBatchSize: t.evaluateBatchSize,
    ...(es
      ? { earlyStopping: { monitor: es.monitor, patience: es.patience, minDelta: es.minDelta } }
      : {}),
    checkpoints: { dir: join(out, "checkpoints"), monitor: "valAccuracy" },
    workDir: join(out, "torch"),
    ...(initialWeights ? { initialWeights } : {}),
    ...(resumeFrom ? { resume: resumeFrom } : {}),
    launcher,
    callbacks,
    log: (line) => io.stderr(line + "\n"),
  });
  if (result.evaluation) {
    const ev = evaluationJson(result.evaluation, data.classes);
    await Deno.writeTextFile(join(out, "evaluation.json"), JSON.stringify(ev, null, 2) + "\n");
    const e = result.evaluation;
    io.stderr(
      `Test: accuracy ${(e.top1 * 100).toFixed(2)}%, top-5 ${(e.top5 * 100).toFixed(2)}%, ` +
        `loss ${e.loss.toFixed(4)} on ${e.count} images. Run folder: ${out}\n`,
    );
  } else if (result.world === 0) {
    io.stderr(`This node's processes finished; rank 0 reports the run (${out} on its machine)\n`);
  }
  return result;
}
