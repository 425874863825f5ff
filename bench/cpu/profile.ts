/**
 * `deno task bench profile [MODEL] [BACKEND] [BATCH] [--tfjs-batch-norm]`: where one training step
 * of a CPU benchmark model spends its time. The step is `train()`'s own (SGD with momentum,
 * cross-entropy, synthetic batch); after two warm-up steps and three timed without the profiler,
 * one step is profiled kernel by kernel and split into phases (data feeding, forward, loss and
 * backward, optimizer update, disposal) whose rows add up to the step's wall time: time outside
 * any kernel (tape bookkeeping, JavaScript loops, allocation) is its own row in each phase.
 * `--tfjs-batch-norm` removes Graft's fused batch-norm kernels first, to measure TensorFlow.js's
 * own composite BatchNorm for comparison.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers";
import { type BackendName, useBackend } from "../../backends/mod.ts";
import { nativeBufferStats } from "../../backends/native/mod.ts";
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL } from "../../tfjs_kernels/mod.ts";
import { Optimizer } from "../../train/optimizers.ts";
import { BENCH_MODELS, type BenchModel } from "./_models.ts";
import { GraftError } from "../../errors/mod.ts";
import { trainSteps } from "./_train_run.ts";

/** One kernel's share of a step, in one phase. */
export interface KernelTime {
  readonly name: string;
  readonly phase: Phase;
  readonly ms: number;
  readonly calls: number;
}

/** The phases of a step, in order. */
export type Phase = "data" | "setup" | "forward" | "backward" | "optimizer" | "cleanup";

/** What each phase covers. */
export const PHASES: Readonly<Record<Phase, string>> = {
  data: "data feeding (batch assembly)",
  setup: "input tensors",
  forward: "forward (model.apply)",
  backward: "loss, backward (tape), loss readback",
  optimizer: "optimizer update",
  cleanup: "disposal, callbacks",
};

/** One phase's wall time and the part of it spent inside kernels. */
export interface PhaseTime {
  readonly phase: Phase;
  readonly ms: number;
  readonly kernelMs: number;
}

/** The full account of one training step. */
export interface StepAccount {
  /** Wall time of the profiled step (its phases add up to it). */
  readonly stepMs: number;
  /** Median wall time of the three steps before, run without the profiler. */
  readonly unprofiledMs: number;
  readonly phases: readonly PhaseTime[];
  /** Kernels by phase and name, largest first. */
  readonly kernels: readonly KernelTime[];
  /** Kernel outputs of 32 MiB or more in the step (glibc maps those fresh unless reused). */
  readonly largeOutputs: { readonly count: number; readonly mb: number };
  /** Large native output buffers reused from the backend's pool / allocated fresh, this step. */
  readonly buffers?: { readonly reused: number; readonly fresh: number };
  readonly detail: string;
  /** Entries listed but not counted: scopes around kernels, Identity copies made inside them. */
  readonly scopes: readonly string[];
}

interface ProfiledKernel {
  name: string;
  kernelTimeMs: number | Promise<number> | { error: string };
  outputShapes: (number[] | null)[];
}

interface EngineState {
  profiling: boolean;
  activeProfile: { kernels: ProfiledKernel[] };
}

const WARMUP = 2;
/** Steps timed without the profiler, after the warm-up (their median is reported). */
const PLAIN = 3;
const LARGE_BYTES = 32 * 2 ** 20;

/**
 * Profiles one training step of `train()` and accounts for all of its wall time.
 *
 * @example
 * ```ts ignore
 * const { stepMs, phases, kernels } = await profileStep("cifar_vgg16", "native", 64);
 * ```
 */
export async function profileStep(
  model: BenchModel,
  backend: BackendName,
  batch: number,
  tfjsBatchNorm = false,
): Promise<StepAccount> {
  const info = await useBackend(backend, { quiet: true });
  if (tfjsBatchNorm) {
    for (const name of [BATCH_NORM_TRAIN_KERNEL, BATCH_NORM_GRAD_KERNEL]) {
      if (tf.getKernel(name, info.tfBackend)) tf.unregisterKernel(name, info.tfBackend);
    }
  }
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  const target = WARMUP + PLAIN + 1;
  // train() prepares each batch one step ahead: the batch made while step i runs is batch i + 1
  // (batches 1 and 2 are both made before step 1), so step i's wall time starts when batch
  // i + 1 is made.
  let step = 0;
  let made = 0;
  const starts: number[] = [];
  const marks: { phase: Phase | "end"; at: number; kernel: number }[] = [];
  let finished = false;
  const mark = (phase: Phase | "end") => {
    if (step === target && !finished) {
      marks.push({ phase, at: performance.now(), kernel: state.activeProfile.kernels.length });
    }
  };
  let buffersBefore = nativeBufferStats();
  const apply = Optimizer.prototype.apply;
  Optimizer.prototype.apply = function (this: Optimizer, ...args: Parameters<typeof apply>) {
    mark("optimizer");
    apply.apply(this, args);
    mark("cleanup");
  };
  let run;
  try {
    run = await trainSteps(model, batch, target + 1, {
      dataset: (ds) => ({
        ...ds,
        batch(indices, rng) {
          made++;
          step = Math.max(1, made - 1);
          starts.push(performance.now());
          if (step === target && made === target + 1) {
            buffersBefore = nativeBufferStats();
            state.activeProfile.kernels = [];
            state.profiling = true;
          }
          mark("data");
          const b = ds.batch(indices, rng);
          mark("setup");
          return b;
        },
      }),
      model: (m) => {
        const forward = m.apply.bind(m);
        m.apply = ((inputs, kwargs) => {
          mark("forward");
          const out = forward(inputs, kwargs);
          mark("backward");
          return out;
        }) as typeof m.apply;
        return m;
      },
      onStepEnd: () => {
        mark("end");
        if (step === target) {
          state.profiling = false;
          finished = true;
        }
      },
    });
  } finally {
    Optimizer.prototype.apply = apply;
    state.profiling = false;
  }
  const buffersAfter = nativeBufferStats();
  const profiled = [...state.activeProfile.kernels];
  const times = await Promise.all(profiled.map(async (k) => {
    const t = await k.kernelTimeMs;
    return typeof t === "number" ? t : 0;
  }));
  const phases: PhaseTime[] = [];
  const byKey = new Map<string, KernelTime>();
  let largeCount = 0, largeBytes = 0;
  const skipped = new Set<string>();
  for (let i = 0; i + 1 < marks.length; i++) {
    const from = marks[i]!, to = marks[i + 1]!;
    if (from.phase === "end") continue;
    const phase = from.phase;
    let kernelMs = 0;
    for (let k = from.kernel; k < to.kernel; k++) {
      const kernel = profiled[k]!;
      // Custom-gradient ops are listed under their scope's name (`fusedConv2d__op`, or any
      // other) and wrap kernels listed already: keep registered kernels only.
      // Identity also runs inside other kernels (the tape's copies of saved tensors): its time is
      // theirs already.
      if (kernel.name === "Identity" || !tf.getKernel(kernel.name, info.tfBackend)) {
        skipped.add(kernel.name);
        continue;
      }
      const ms = times[k]!;
      kernelMs += ms;
      const key = `${phase}/${kernel.name}`;
      const e = byKey.get(key) ?? { name: kernel.name, phase, ms: 0, calls: 0 };
      byKey.set(key, { ...e, ms: e.ms + ms, calls: e.calls + 1 });
      // Identity and Reshape share their input's data.
      const shares = kernel.name === "Identity" || kernel.name === "Reshape";
      for (const shape of shares ? [] : kernel.outputShapes) {
        const bytes = 4 * (shape ?? []).reduce((a, b) => a * b, 1);
        if (bytes >= LARGE_BYTES) {
          largeCount++;
          largeBytes += bytes;
        }
      }
    }
    const prev = phases.find((p) => p.phase === phase);
    if (prev) phases[phases.indexOf(prev)] = { ...prev, ms: prev.ms + to.at - from.at };
    else phases.push({ phase, ms: to.at - from.at, kernelMs });
  }
  const stepMs = marks.at(-1)!.at - marks[0]!.at;
  const plain = Array.from({ length: PLAIN }, (_, i) => WARMUP + i)
    .map((i) => run.stepEnds[i]! - starts[i + 1]!).sort((a, b) => a - b);
  const unprofiledMs = plain[PLAIN >> 1]!;
  const kernels = [...byKey.values()].sort((a, b) => b.ms - a.ms);
  const buffers = buffersBefore && buffersAfter
    ? {
      reused: buffersAfter.reused - buffersBefore.reused,
      fresh: buffersAfter.fresh - buffersBefore.fresh,
    }
    : undefined;
  return {
    stepMs,
    unprofiledMs,
    phases,
    kernels,
    largeOutputs: { count: largeCount, mb: largeBytes / 2 ** 20 },
    ...(buffers ? { buffers } : {}),
    detail: `${info.chosen} (${info.detail})`,
    scopes: [...skipped].sort(),
  };
}

/**
 * The account as Markdown: phases (inside and outside kernels) adding up to the step, then the
 * kernels of 1 ms or more.
 *
 * @example
 * ```ts ignore
 * console.log(formatAccount(await profileStep("small_cnn", "native", 8)));
 * ```
 */
export function formatAccount(r: StepAccount): string {
  const lines = [
    "| phase | ms | in kernels | outside kernels |",
    "| --- | ---: | ---: | ---: |",
  ];
  let kernelTotal = 0;
  for (const p of r.phases) {
    kernelTotal += p.kernelMs;
    lines.push(
      `| ${PHASES[p.phase]} | ${p.ms.toFixed(1)} | ${p.kernelMs.toFixed(1)} | ${
        (p.ms - p.kernelMs).toFixed(1)
      } |`,
    );
  }
  lines.push(
    `| **step** | **${r.stepMs.toFixed(1)}** | ${kernelTotal.toFixed(1)} | ${
      (r.stepMs - kernelTotal).toFixed(1)
    } |`,
    "",
    "| kernel | phase | ms | calls |",
    "| --- | --- | ---: | ---: |",
  );
  for (const k of r.kernels.filter((k) => k.ms >= 1)) {
    lines.push(`| ${k.name} | ${k.phase} | ${k.ms.toFixed(1)} | ${k.calls} |`);
  }
  return lines.join("\n");
}

/**
 * Runs {@linkcode profileStep} from command-line arguments and prints the account, for every
 * benchmark model when none is named.
 *
 * @example
 * ```ts ignore
 * await runProfile(["cifar_vgg16_bn", "native", "64"]);
 * ```
 */
export async function runProfile(args: string[]): Promise<void> {
  const tfjsBatchNorm = args.includes("--tfjs-batch-norm");
  const [model, backend = "native", batch = "64"] = args.filter((a) => !a.startsWith("--"));
  if (model !== undefined && !BENCH_MODELS.includes(model as BenchModel)) {
    const expected = `one of ${BENCH_MODELS.join(", ")}`;
    throw new GraftError(`Unknown benchmark model: expected ${expected}, received ${model}`, [
      { step: "bench profile", path: "MODEL", expected, received: model },
    ]);
  }
  for (const m of model === undefined ? BENCH_MODELS : [model as BenchModel]) {
    const r = await profileStep(m, backend as BackendName, Number(batch), tfjsBatchNorm);
    const when = new Date().toISOString().slice(0, 16).replace("T", " ");
    const bn = tfjsBatchNorm ? ", TensorFlow.js's composite BatchNorm" : "";
    console.log(`- ${m}, batch ${batch}, ${r.detail}${bn}, ${when} UTC.`);
    console.log(
      `- One training step of train(): ${r.stepMs.toFixed(0)} ms profiled, ${
        r.unprofiledMs.toFixed(0)
      } ms without it (median of ${PLAIN}). Outputs of 32 MiB or more: ${r.largeOutputs.count} (${
        r.largeOutputs.mb.toFixed(0)
      } MiB)${
        r.buffers
          ? `; large native buffers reused ${r.buffers.reused}, fresh ${r.buffers.fresh}`
          : ""
      }.\n`,
    );
    console.log(`${formatAccount(r)}\n`);
  }
}
