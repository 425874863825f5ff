import { dirname, join, resolve } from "node:path";
import type { Spec } from "../../dsl/mod.ts";
import type {
  BatchEndEvent,
  Callback,
  EpochBeginEvent,
  EpochEndEvent,
  TrainBeginEvent,
  TrainContext,
  TrainEndEvent,
} from "../../train/events.ts";
import type { Evaluation } from "../../train/evaluate.ts";
import type { WeightMap } from "../../weights/weight_map.ts";
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint } from "../../weights/checkpoint.ts";
import {
  encodeSplit,
  type JobSettings,
  makeJob,
  type TorchData,
  writeAtomic,
  writeJob,
  writeWeights,
} from "./_job.ts";
import { engineReady, pythonPath } from "./_python.ts";
import { EngineError } from "./errors.ts";

/**
 * How to start the engine: one Python process, or `torchrun` (data-parallel; gloo on CPU, NCCL
 * on CUDA). The torchrun settings pass through as its flags.
 *
 * @example
 * ```ts
 * import type { TorchLauncher } from "@graft/graft/engines/torch";
 * const one: TorchLauncher = { kind: "python" };
 * const two: TorchLauncher = { kind: "torchrun", nprocPerNode: 2 };
 * ```
 */
export type TorchLauncher =
  | { readonly kind: "python" }
  | {
    readonly kind: "torchrun";
    /** Processes on this machine (`--nproc_per_node`). */
    readonly nprocPerNode: number;
    /** Machines (`--nnodes`, default 1). */
    readonly nnodes?: number;
    /** This machine's rank (`--node_rank`). */
    readonly nodeRank?: number;
    /** `host:port` of the c10d rendezvous (`--rdzv_endpoint`); default: a free port on 127.0.0.1. */
    readonly rdzvEndpoint?: string;
    /** Rendezvous id shared by the machines of one run (`--rdzv_id`). */
    readonly rdzvId?: string;
    /** Restarts of the whole group after a worker fails (`--max_restarts`, default 0). */
    readonly maxRestarts?: number;
  };

/**
 * Options of {@linkcode trainTorch}: the settings of `train()` plus where the engine works.
 *
 * @example
 * ```ts
 * import type { TorchTrainOptions } from "@graft/graft/engines/torch";
 * import { arrayDataset } from "@graft/graft/data";
 * const data = arrayDataset(new Float32Array(4 * 16), new Int32Array(4), [4, 4, 1], 2);
 * const options: TorchTrainOptions = { train: data, epochs: 1, workDir: "runs/x/torch" };
 * ```
 */
export interface TorchTrainOptions extends JobSettings {
  /** Training images (a CIFAR split is augmented by the engine when `augment`). */
  readonly train: TorchData;
  /** Evaluated after every epoch (metrics, early stopping, best checkpoint). */
  readonly validation?: TorchData;
  /** Evaluated once at the end (default: `validation`). */
  readonly test?: TorchData;
  /** Folder for the job, the prepared data and the initial weights (removed at the end). */
  readonly workDir: string;
  /** Starting weights in Graft's layout (default: the engine's own initialisation). */
  readonly initialWeights?: WeightMap;
  /** A checkpoint (of either engine) to continue from. */
  readonly resume?: string;
  /** Write the final weights here (Graft's layout, readable by `loadWeights`). */
  readonly finalWeights?: string;
  /** Default: one process. */
  readonly launcher?: TorchLauncher;
  /** Called in order at each event (rank 0's). `ctx.stop()` works; the model stays in PyTorch. */
  readonly callbacks?: readonly Callback[];
  /** Where the engine's own log lines go (default: standard error). */
  readonly log?: (line: string) => void;
  /** Extra environment of the engine processes. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * What {@linkcode trainTorch} returns: as `train()`'s result, without a TensorFlow.js model (the
 * weights are in the checkpoints and `finalWeights`).
 *
 * @example
 * ```ts
 * import type { TorchTrainResult } from "@graft/graft/engines/torch";
 * const show = (r: TorchTrainResult) => console.log(r.device, r.evaluation?.top1);
 * ```
 */
export interface TorchTrainResult {
  /** The last completed epoch. */
  readonly epoch: number;
  /** Updates done. */
  readonly step: number;
  /** Metrics of every completed epoch. */
  readonly history: readonly EpochEndEvent[];
  /** Whether training stopped early, and why. */
  readonly stopped: boolean;
  /** The reason it stopped. */
  readonly reason?: string;
  /** The final evaluation (on `test`, else `validation`). */
  readonly evaluation?: Evaluation;
  /** Every batch's loss, in order (for parity checks). */
  readonly losses: readonly number[];
  /** The device the engine trained on (`cpu`, `cuda:0`). */
  readonly device: string;
  /** Processes in the group (0 on a machine other than rank 0's, which receives no events). */
  readonly world: number;
}

type EngineEvent = { event: string; [key: string]: unknown };

/**
 * The arguments of `python3 -m torch.distributed.run` (torchrun) for a launcher; the export's
 * launch files print the same ones.
 */
export function torchrunArgs(
  launcher: Extract<TorchLauncher, { kind: "torchrun" }>,
  script: string,
  jobFile: string,
  logDir: string,
  timeout: number,
): string[] {
  const args = [`--nproc_per_node=${launcher.nprocPerNode}`];
  const nnodes = launcher.nnodes ?? 1;
  if (nnodes === 1 && launcher.rdzvEndpoint === undefined) {
    // One machine: a rendezvous on a free port (PyTorch 1.13's --standalone always takes 29400,
    // so two runs on one machine collide).
    args.push(
      "--nnodes=1",
      "--rdzv_backend=c10d",
      "--rdzv_endpoint=127.0.0.1:0",
      `--rdzv_id=${launcher.rdzvId ?? "graft"}`,
    );
  } else {
    args.push(
      `--nnodes=${nnodes}`,
      "--rdzv_backend=c10d",
      `--rdzv_endpoint=${launcher.rdzvEndpoint ?? "127.0.0.1:29400"}`,
      `--rdzv_id=${launcher.rdzvId ?? "graft"}`,
      // The machine of node rank 0 hosts the rendezvous store; the others connect to it.
      `--rdzv_conf=join_timeout=${timeout}` +
        (launcher.nodeRank !== undefined ? `,is_host=${launcher.nodeRank === 0}` : ""),
    );
    if (launcher.nodeRank !== undefined) args.push(`--node_rank=${launcher.nodeRank}`);
  }
  // Worker stderr goes to log files and is teed here: PyTorch 1.13's torchrun on Python 3.11
  // cannot parse its own default `--redirects 0` (IntFlag no longer iterates the zero member).
  args.push(
    `--max_restarts=${launcher.maxRestarts ?? 0}`,
    "--redirects=2",
    "--tee=2",
    `--log_dir=${logDir}`,
    script,
    jobFile,
  );
  return args;
}

function launchArgs(launcher: TorchLauncher, jobFile: string, timeout: number): string[] {
  const script = join(engineReady(), "train.py");
  if (launcher.kind === "python") return [script, jobFile];
  return [
    "-m",
    "torch.distributed.run",
    ...torchrunArgs(launcher, script, jobFile, join(dirname(jobFile), "logs"), timeout),
  ];
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
    }
  }
  if (buffer) yield buffer;
}

async function copyAtomic(from: string, to: string): Promise<void> {
  const tmp = `${to}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.copyFile(from, tmp);
    await Deno.rename(tmp, to);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

function notHere(what: string): never {
  throw new EngineError("Not available with the torch engine", [
    `${what}: the model lives in the PyTorch process (read the checkpoints instead)`,
  ]);
}

/**
 * Trains a spec with PyTorch: writes a job (the spec as torch modules through the op table, the
 * settings, the data prepared once, the starting weights), runs `engines/torch/python/train.py`
 * in one process or under `torchrun`, and turns rank 0's events into the same typed callbacks
 * as `train()`. Same meaning as Graft's loop: frozen weights get no gradient and frozen
 * BatchNorm stays in eval mode, PyTorch's SGD/Adam/AdamW with per-group rates, the schedule's
 * factor at every step, label smoothing, Graft's shuffles and augmentations from the seed,
 * validation each epoch, early stopping, and checkpoints in Graft's format.
 *
 * @example
 * ```ts ignore
 * import { trainTorch } from "@graft/graft/engines/torch";
 * const result = await trainTorch(spec, {
 *   train: data.train,
 *   validation: data.test,
 *   epochs: 2,
 *   workDir: "runs/mine/torch",
 *   launcher: { kind: "torchrun", nprocPerNode: 2 },
 * });
 * console.log(result.history.at(-1)?.valAccuracy);
 * ```
 */
export async function trainTorch(
  spec: Spec,
  options: TorchTrainOptions,
): Promise<TorchTrainResult> {
  const work = resolve(options.workDir);
  await Deno.mkdir(work, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, bytes: Uint8Array) => {
    const path = join(work, name);
    await writeAtomic(path, bytes);
    written.push(path);
    return name;
  };
  const launcher = options.launcher ?? { kind: "python" };
  const timeout = options.timeoutSeconds ?? 1800;
  try {
    const job = makeJob(spec, options, {
      train: await write("train.safetensors", encodeSplit(options.train)),
      trainSize: options.train.size,
      validation: options.validation
        ? await write("validation.safetensors", encodeSplit(options.validation))
        : null,
      test: options.test ? await write("test.safetensors", encodeSplit(options.test)) : null,
      initialWeights: options.initialWeights && options.resume === undefined
        ? await (async () => {
          await writeWeights(join(work, "initial.safetensors"), options.initialWeights!);
          written.push(join(work, "initial.safetensors"));
          return "initial.safetensors";
        })()
        : null,
      finalWeights: options.finalWeights ? resolve(options.finalWeights) : null,
      resume: options.resume ? resolve(options.resume) : null,
    });
    const withDirs = {
      ...job,
      checkpoints: job.checkpoints
        ? { ...job.checkpoints, dir: resolve(job.checkpoints.dir) }
        : null,
    };
    const jobFile = await writeJob(work, {
      ...withDirs,
      handshake: true,
      // ctx.stop() in onBatchEnd must end training right after that batch: the engine then
      // waits for the callbacks after every batch (without such callbacks it does not).
      batchHandshake: (options.callbacks ?? []).some((cb) => cb.onBatchEnd !== undefined),
      nodeRank: launcher.kind === "torchrun" ? launcher.nodeRank ?? null : null,
    });
    written.push(jobFile);
    return await run(spec, options, launchArgs(launcher, jobFile, timeout), work);
  } finally {
    for (const f of written) await Deno.remove(f).catch(() => {});
    for (const extra of ["STOP", "committed"]) {
      await Deno.remove(join(work, extra)).catch(() => {});
    }
    try {
      for await (const e of Deno.readDir(work)) {
        if (/^epoch-\d+\.safetensors/.test(e.name)) {
          await Deno.remove(join(work, e.name)).catch(() => {});
        }
      }
    } catch { /* already gone */ }
    await Deno.remove(join(work, "logs"), { recursive: true }).catch(() => {});
    await Deno.remove(work).catch(() => {}); // only when empty
  }
}

async function run(
  spec: Spec,
  options: TorchTrainOptions,
  args: string[],
  work: string,
): Promise<TorchTrainResult> {
  const python = pythonPath();
  const log = options.log ?? ((l: string) => console.error(l));
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(python, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { PYTHONUNBUFFERED: "1", ...(options.env ?? {}) },
    }).spawn();
  } catch (e) {
    throw new EngineError("Cannot start the torch engine", [
      `${python}: ${
        (e as Error).message
      } (install Debian's python3-torch, or set GRAFT_PYTHON to ` +
      "a Python with PyTorch)",
    ]);
  }
  const callbacks = options.callbacks ?? [];
  if (options.resume !== undefined) {
    // Callbacks continue where the checkpoint left them (early stopping's patience, ...).
    const saved = (await readCheckpoint(options.resume)).training?.state.callbacks as
      | Record<string, unknown>
      | undefined;
    for (const cb of callbacks) {
      const state = cb.stateKey !== undefined ? saved?.[cb.stateKey] : undefined;
      if (state !== undefined) cb.loadStateDict?.(state);
    }
  }
  let stopReason: string | undefined;
  let lastCheckpoint: string | undefined;
  // This epoch's checkpoint, staged by the engine; ctx.saveCheckpoint() commits it.
  let staged: string | undefined;
  const snapshots = new WeakSet<object>();
  let snapshot = false;
  let restore = false;
  // Answers go to the engine's standard input, one JSON line per event that asked (`answer`).
  const input = child.stdin.getWriter();
  const answer = async (id: unknown, value: Record<string, unknown>) => {
    if (typeof id !== "string") return;
    await input.write(new TextEncoder().encode(JSON.stringify({ id, ...value }) + "\n"))
      .catch(() => {}); // the engine has ended: its exit status says why
  };
  const ctx: TrainContext = {
    get model(): never {
      return notHere("ctx.model");
    },
    spec,
    stop(reason: string) {
      if (stopReason === undefined) {
        stopReason = reason;
        Deno.writeTextFileSync(join(work, "STOP"), reason);
      }
    },
    get stopping() {
      return stopReason !== undefined;
    },
    // The weights stay in PyTorch: getWeights() asks the engine to keep a copy, and
    // setWeights() of that copy asks it to put the copy back (what earlyStopping does).
    getWeights() {
      snapshot = true;
      const marker = new Map<string, Float32Array>();
      snapshots.add(marker);
      return Promise.resolve(marker);
    },
    setWeights(values) {
      if (!snapshots.has(values)) notHere("ctx.setWeights() of weights made in Deno");
      restore = true;
    },
    async saveCheckpoint(path: string) {
      if (staged === undefined) {
        if (lastCheckpoint === undefined) notHere("ctx.saveCheckpoint() outside onEpochEnd");
        await copyAtomic(lastCheckpoint!, path);
      } else {
        // The engine's checkpoint, with the callbacks' states added (Graft's own codec).
        const ckpt = decodeCheckpoint(await Deno.readFile(staged), staged);
        const states: Record<string, unknown> = {};
        for (const cb of callbacks) {
          if (cb.stateKey !== undefined && cb.stateDict) states[cb.stateKey] = cb.stateDict();
        }
        const training = ckpt.training!;
        await Deno.mkdir(dirname(path), { recursive: true });
        await writeAtomic(
          path,
          encodeCheckpoint({
            ...ckpt,
            training: { ...training, state: { ...training.state, callbacks: states } },
          }),
        );
        await Deno.writeTextFile(join(work, "committed"), path);
      }
      lastCheckpoint = path;
      return path;
    },
    get lastCheckpoint() {
      return lastCheckpoint;
    },
  };
  const emit = async (name: keyof Callback, event: unknown) => {
    for (const cb of callbacks) {
      const fn = cb[name] as ((e: unknown, c: TrainContext) => unknown) | undefined;
      if (fn) await fn.call(cb, event, ctx);
    }
  };
  const tail: string[] = [];
  const stderrDone = (async () => {
    for await (const line of lines(child.stderr)) {
      tail.push(line);
      if (tail.length > 60) tail.shift();
      log(line);
    }
  })();
  let history: EpochEndEvent[] = [];
  const losses: number[] = [];
  let end: TrainEndEvent | undefined;
  let evaluation: Evaluation | undefined;
  let failure: EngineEvent | undefined;
  let device = "";
  let world = 1;
  try {
    for await (const line of lines(child.stdout)) {
      let e: EngineEvent;
      try {
        e = JSON.parse(line);
      } catch {
        log(line);
        continue;
      }
      const { event, answer: asked, ...payload } = e;
      switch (event) {
        case "trainBegin":
          device = String(payload.device);
          world = Number(payload.world);
          history = [];
          await emit("onTrainBegin", payload as unknown as TrainBeginEvent);
          break;
        case "epochBegin":
          await emit("onEpochBegin", payload as unknown as EpochBeginEvent);
          break;
        case "batchEnd":
          losses.push(Number(payload.loss));
          await emit("onBatchEnd", payload as unknown as BatchEndEvent);
          await answer(asked, { stop: stopReason ?? null });
          break;
        case "epochEnd": {
          history.push(payload as unknown as EpochEndEvent);
          await emit("onEpochEnd", payload as unknown as EpochEndEvent);
          if (staged !== undefined) await Deno.remove(staged).catch(() => {});
          staged = undefined;
          await answer(asked, { stop: stopReason ?? null, snapshot });
          snapshot = false;
          break;
        }
        case "staged":
          staged = String(payload.path);
          break;
        case "checkpoint":
          lastCheckpoint = String(payload.path);
          break;
        case "trainEnd":
          end = payload as unknown as TrainEndEvent;
          await emit("onTrainEnd", end);
          await answer(asked, { restore });
          break;
        case "evaluation":
          evaluation = payload as unknown as Evaluation;
          break;
        case "error":
          failure = e;
          break;
        default:
          log(line);
      }
    }
  } catch (e) {
    // A callback threw: the engine, waiting for its answer, is stopped rather than left behind.
    await input.close().catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch { /* already ended */ }
    await child.status;
    await stderrDone.catch(() => {});
    throw e;
  }
  await input.close().catch(() => {});
  await stderrDone;
  const status = await child.status;
  if (failure) {
    throw new EngineError(
      String(failure.message),
      (failure.problems as string[]) ?? [],
      failure.code === 2 ? 2 : 1,
    );
  }
  if (status.success && !end && device === "") {
    // A machine other than rank 0's in a multi-node run: its processes print no events.
    return { epoch: 0, step: 0, history: [], stopped: false, losses: [], device: "", world: 0 };
  }
  if (!status.success || !end) {
    const why = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
    // A worker's own line (torchrun prefixes it) rather than torchrun's closing banner.
    const last = tail.findLast((l) => /^\[default\d+\]:/.test(l)) ??
      tail.findLast((l) => /\w/.test(l));
    throw new EngineError("The torch engine failed", [
      `${
        args.includes("torch.distributed.run") ? "torchrun" : "python3 train.py"
      } ended with ${why}`,
      ...(last !== undefined ? [`last log line: ${last}`] : []),
      lastCheckpoint
        ? `the last checkpoint is ${lastCheckpoint}: continue with --resume`
        : options.launcher?.kind === "torchrun" && (options.launcher.nodeRank ?? 0) > 0
        ? "node 0 keeps the checkpoints: continue with --resume there and this machine's command " +
          "again"
        : "no checkpoint was written",
    ], 1);
  }
  return {
    epoch: end.epoch,
    step: end.step,
    history: end.history,
    stopped: end.stopped,
    ...(end.reason !== undefined ? { reason: end.reason } : {}),
    ...(evaluation ? { evaluation } : {}),
    losses,
    device,
    world,
  };
}
