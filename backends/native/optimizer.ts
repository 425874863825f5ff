/**
 * SGD with momentum that updates weights in place on the native backend.
 *
 * TensorFlow.js's `MomentumOptimizer` builds four new full-size tensors per weight per step
 * (`m * acc`, `+ g`, `c * acc`, `+ w`); for a VGG head of 120M parameters that is ~2 GB of fresh
 * memory and four passes each step. This one does one pass in place, as PyTorch's `SGD` does.
 *
 * @module
 */
import { engine, getBackend, MomentumOptimizer, type Tensor, tensor } from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";

/** What `applyGradients` receives (the parent class's parameter type). */
type VariableGradients = Parameters<MomentumOptimizer["applyGradients"]>[0];

/** The TensorFlow.js backend name of the native backend (kept here to avoid an import cycle). */
const NATIVE = "graft-native";

/**
 * `tf.train.momentum` with an in-place update on `graft-native` (same arithmetic:
 * `acc = momentum * acc + g; w = w - lr * acc`). On other backends, with Nesterov momentum, or
 * for non-float32 weights, it defers to the TensorFlow.js update.
 *
 * @example
 * ```ts ignore
 * import { NativeMomentumOptimizer } from "@graft/graft/backends";
 * const opt = new NativeMomentumOptimizer(0.001, 0.9);
 * // opt.minimize(() => loss(), false, model.trainableWeights.map((w) => w.read()));
 * ```
 */
export class NativeMomentumOptimizer extends MomentumOptimizer {
  readonly #lr: number;
  readonly #momentum: number;
  readonly #nesterov: boolean;
  readonly #acc = new Map<string, Float32Array>();

  /** Same arguments as `tf.train.momentum(learningRate, momentum, useNesterov)`. */
  constructor(learningRate: number, momentum: number, useNesterov = false) {
    super(learningRate, momentum, useNesterov);
    this.#lr = learningRate;
    this.#momentum = momentum;
    this.#nesterov = useNesterov;
  }

  /** Applies one update; in place where it can, else as `MomentumOptimizer` does. */
  override applyGradients(variableGradients: VariableGradients): void {
    if (getBackend() !== NATIVE || this.#nesterov) {
      super.applyGradients(variableGradients);
      return;
    }
    const pairs: [string, Tensor | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((v): [string, Tensor] => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const backend = engine().backend as unknown as MathBackendCPU;
    const f32 = (t: Tensor) => {
      const v = t.dtype === "float32" ? backend.data.get(t.dataId).values : undefined;
      return v instanceof Float32Array ? v : undefined;
    };
    const ok = pairs.every(([name, g]) => {
      const value = engine().registeredVariables[name];
      return !g || (value && f32(value) && f32(g) && g.size === value.size);
    });
    if (!ok) {
      super.applyGradients(variableGradients);
      return;
    }
    for (const [name, gradient] of pairs) {
      const value = engine().registeredVariables[name]!;
      if (!gradient) continue;
      if (backend.refCount(value.dataId) !== 1) {
        // The weight shares storage with another tensor: give it its own copy first.
        const own = tensor(Float32Array.from(f32(value)!), value.shape);
        value.assign(own);
        own.dispose();
      }
      const w = f32(value)!, g = f32(gradient)!;
      let acc = this.#acc.get(name);
      if (!acc || acc.length !== w.length) {
        acc = new Float32Array(w.length);
        this.#acc.set(name, acc);
      }
      const m = this.#momentum, lr = this.#lr, n = w.length;
      for (let i = 0; i < n; i++) {
        const a = m * acc[i]! + g[i]!;
        acc[i] = a;
        w[i] = w[i]! - lr * a;
      }
    }
    this.incrementIterations();
  }
}
