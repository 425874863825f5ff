// The pipeline's hook for the PyTorch engine: a Trainer (pipelines/_run.ts) that trains with
// PyTorch and hands back the Graft model with the weights PyTorch trained, so that the run
// folder, its kill-safe commits, resume and the test evaluation are the pipeline's own.
import type { Trainer } from "../../pipelines/_run.ts";
import { defaultCacheDir } from "../../data/load.ts";
import { collectWeights } from "../../weights/checkpoint.ts";
import { readWeights } from "../../weights/read_weights.ts";
import { applyWeights } from "../../weights/load_weights.ts";
import { join } from "node:path";
import { type TorchLauncher, trainTorch } from "./train_torch.ts";

/**
 * A pipeline trainer that runs PyTorch with `launcher`; engine log lines go to `log`. On a
 * machine whose `--node-rank` is not 0 it is a `worker` trainer: its processes join node 0's,
 * which reports; its working files go to the download cache, not to the run folder.
 *
 * @example
 * ```ts ignore
 * await runPipeline(config, spec, out, mode, io, torchTrainer({ kind: "python" }, io.stderr));
 * ```
 */
export function torchTrainer(launcher: TorchLauncher, log: (text: string) => void): Trainer {
  const node = launcher.kind === "torchrun" ? launcher.nodeRank ?? 0 : 0;
  const trainer: Trainer = async (model, spec, options, data) => {
    // The engine gets the 32×32 records and resizes each batch as options.train does.
    const [h, w] = options.train.shape;
    const work = node > 0
      ? join(defaultCacheDir(), "torch", `node${node}-${crypto.randomUUID().slice(0, 8)}`)
      : join(data.out, "torch");
    const final = join(work, "final.safetensors");
    try {
      const result = await trainTorch(spec, {
        train: data.train,
        ...(data.validation ? { validation: data.validation } : {}),
        augment: data.augment,
        ...(h !== 32 || w !== 32 ? { resize: [h, w] as const } : {}),
        epochs: options.epochs,
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.labelSmoothing !== undefined ? { labelSmoothing: options.labelSmoothing } : {}),
        ...(options.optimizer ? { optimizer: options.optimizer } : {}),
        ...(options.schedule ? { schedule: options.schedule } : {}),
        ...(options.evaluateBatchSize !== undefined
          ? { evaluateBatchSize: options.evaluateBatchSize }
          : {}),
        callbacks: [{
          onTrainBegin(e) {
            const where = e as { device?: string; world?: number };
            log(
              `Engine torch: ${where.world} process(es) on ${where.device}` +
                `${launcher.kind === "torchrun" ? " under torchrun" : ""}\n`,
            );
          },
        }, ...(options.callbacks ?? [])],
        ...(options.resume !== undefined
          ? { resume: options.resume }
          : { initialWeights: await collectWeights(model, spec) }),
        workDir: work,
        ...(node > 0 ? {} : { finalWeights: final }),
        launcher,
        log: (line) => log(line + "\n"),
      });
      if (node > 0) {
        log(
          `Node ${node}: this machine's processes finished; the run folder, its checkpoints and ` +
            "the evaluation are on node 0, in its --out\n",
        );
      } else {
        const { weights } = await readWeights(final, spec);
        applyWeights(model, spec, weights, "the torch engine");
      }
      return {
        model,
        epoch: result.epoch,
        step: result.step,
        history: result.history,
        stopped: result.stopped,
        ...(result.reason !== undefined ? { reason: result.reason } : {}),
        ...(result.evaluation ? { evaluation: result.evaluation } : {}),
      };
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  };
  return node > 0 ? Object.assign(trainer, { worker: true }) : trainer;
}
