// Turns a running training loop into a checkpoint's training part and back.
import * as tf from "@tensorflow/tfjs-core";
import type { Spec } from "../dsl/mod.ts";
import {
  type Checkpoint,
  readCheckpoint,
  type TrainingSnapshot,
  WeightsError,
} from "../weights/mod.ts";
import { TrainError } from "./errors.ts";
import type { Callback } from "./events.ts";
import type { Optimizer } from "./optimizers.ts";
import type { ModelWeight } from "./params.ts";
import { settingsMismatches, type TrainSettings, type TrainState } from "./state.ts";
import { schemaProblems, trainStateSchema } from "./_schemas.ts";

/** The training part of a checkpoint: the state as JSON and the optimizer's slots. */
export async function snapshot(
  state: Omit<TrainState, "optimizerStep" | "callbacks">,
  optimizer: Optimizer,
  callbacks: readonly Callback[],
): Promise<TrainingSnapshot> {
  const opt = await optimizer.getState();
  const saved: Record<string, unknown> = {};
  for (const cb of callbacks) {
    if (cb.stateKey !== undefined && cb.stateDict) saved[cb.stateKey] = cb.stateDict();
  }
  const full: TrainState = { ...state, optimizerStep: opt.step, callbacks: saved };
  return { state: full as unknown as Record<string, unknown>, optimizer: opt.slots };
}

/**
 * Reads the checkpoint at `path`, checks that it belongs to this spec, these settings and these
 * weights (naming every mismatch), then writes its weights, optimizer slots and callbacks'
 * state. Returns the run state to continue from and the file read.
 */
export async function resumeFrom(
  path: string,
  spec: Spec,
  settings: TrainSettings,
  weights: readonly ModelWeight[],
  optimizer: Optimizer,
  callbacks: readonly Callback[],
): Promise<{ state: TrainState; file: string }> {
  let ckpt: Awaited<ReturnType<typeof readCheckpoint>>;
  try {
    ckpt = await readCheckpoint(path);
  } catch (e) {
    if (e instanceof WeightsError) throw new TrainError("Cannot resume", [e.message]);
    throw e;
  }
  const file = ckpt.path;
  const state = trainStateOf(ckpt);
  const problems: string[] = [];
  const [theirs, ours] = [ckpt.spec.toJSON(), spec.toJSON()];
  if (JSON.stringify(theirs) !== JSON.stringify(ours)) {
    const edits = (s: typeof ours) => s.steps.map((x) => x.call).join(", ");
    problems.push(
      `${file} was written for another spec (${theirs.name}: ${edits(theirs)}; this run: ` +
        `${ours.name}: ${edits(ours)})`,
    );
  }
  problems.push(...settingsMismatches(state.settings, settings).map((m) => `${file}: ${m}`));
  for (const w of weights) {
    const v = ckpt.weights.get(w.key);
    if (!v) problems.push(`${file} has no weight ${w.key}`);
    else if (v.shape.join(",") !== w.variable.shape.join(",")) {
      problems.push(`${file} has ${w.key} of shape [${v.shape}], the model [${w.variable.shape}]`);
    }
  }
  if (problems.length) throw new TrainError("Cannot resume", problems);
  for (const w of weights) {
    const v = ckpt.weights.get(w.key)!;
    tf.tidy(() => w.variable.assign(tf.tensor(v.data, [...v.shape], "float32")));
  }
  const slots = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, t] of ckpt.training!.optimizer) {
    slots.set(k, { shape: [...t.shape], data: t.data });
  }
  optimizer.setState({ step: state.optimizerStep, slots });
  for (const cb of callbacks) {
    const saved = cb.stateKey !== undefined ? state.callbacks[cb.stateKey] : undefined;
    if (saved !== undefined) cb.loadStateDict?.(saved);
  }
  return { state, file };
}

/**
 * The training state a checkpoint holds, checked field by field; a {@linkcode TrainError}
 * naming the file and each damaged field when it holds none or a damaged one.
 *
 * @example
 * ```ts ignore
 * import { readCheckpoint } from "@graft/graft/weights";
 * import { trainStateOf } from "@graft/graft/train";
 * const state = trainStateOf(await readCheckpoint("runs/cifar10"));
 * console.log(state.epoch, state.settings.optimizer);
 * ```
 */
export function trainStateOf(checkpoint: Checkpoint & { readonly path?: string }): TrainState {
  const file = checkpoint.path ?? "the checkpoint";
  if (!checkpoint.training) {
    throw new TrainError("Cannot resume", [
      `${file} holds weights only, no training state (load it with loadWeights instead)`,
    ]);
  }
  const parsed = trainStateSchema.safeParse(checkpoint.training.state);
  if (!parsed.success) {
    throw new TrainError(
      "Cannot resume",
      schemaProblems("graft.training", parsed.error, checkpoint.training.state).map((p) =>
        `${file}: damaged metadata ${p}`
      ),
    );
  }
  return parsed.data as unknown as TrainState;
}
