// In-place optimizer updates for the CPU backends (`cpu`, `graft-native`): one pass over each
// weight's Float32Array instead of five temporary tensors the size of the weight. For VGG16's
// 102M-parameter first classifier layer that is the difference between ~0.1 s and over 1 s per
// step. The arithmetic is the same as the tensor path in optimizers.ts.
import * as tf from "@tensorflow/tfjs-core";
import { NATIVE_BACKEND_NAME, sgdStep } from "../backends/native/mod.ts";

interface CpuLikeBackend {
  data: { get(id: unknown): { values?: unknown } | undefined };
  refCount(id: unknown): number;
}

const CPU_BACKENDS = new Set(["cpu", "graft-native"]);

/** The backend, when its tensors live in Float32Arrays this code may update in place. */
export function cpuBackend(): CpuLikeBackend | undefined {
  return CPU_BACKENDS.has(tf.getBackend())
    ? tf.engine().backend as unknown as CpuLikeBackend
    : undefined;
}

/** The values of a float32 tensor on a CPU backend. */
export function valuesOf(b: CpuLikeBackend, t: tf.Tensor): Float32Array | undefined {
  const v = t.dtype === "float32" ? b.data.get(t.dataId)?.values : undefined;
  return v instanceof Float32Array ? v : undefined;
}

/** The variable's values, first giving it storage of its own if another tensor shares it. */
export function ownValues(b: CpuLikeBackend, v: tf.Variable): Float32Array | undefined {
  const values = valuesOf(b, v);
  if (!values) return undefined;
  if (b.refCount(v.dataId) === 1) return values;
  const own = tf.tensor(Float32Array.from(values), v.shape, "float32");
  v.assign(own);
  own.dispose();
  return valuesOf(b, v);
}

/** SGD as PyTorch: weight decay, momentum with dampening, Nesterov. */
export function sgdInPlace(
  w: Float32Array,
  g: Float32Array,
  buf: Float32Array | undefined,
  first: boolean,
  o: { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number },
): void {
  if (tf.getBackend() === NATIVE_BACKEND_NAME) return sgdStep(w, g, buf, first, o);
  const { lr, momentum: mu, weightDecay: wd, nesterov } = o;
  const keep = 1 - o.dampening;
  for (let i = 0; i < w.length; i++) {
    let d = g[i]! + wd * w[i]!;
    if (buf) {
      const b = first ? d : mu * buf[i]! + keep * d;
      buf[i] = b;
      d = nesterov ? d + mu * b : b;
    }
    w[i] = w[i]! - lr * d;
  }
}

/** Adam (L2 weight decay) or AdamW (decoupled weight decay) as PyTorch. */
export function adamInPlace(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  s: Float32Array,
  o: {
    lr: number;
    beta1: number;
    beta2: number;
    epsilon: number;
    weightDecay: number;
    decoupled: boolean;
    step: number;
  },
): void {
  const { lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd } = o;
  const bc1 = 1 - b1 ** o.step;
  const rootBc2 = Math.sqrt(1 - b2 ** o.step);
  const shrink = o.decoupled ? 1 - lr * wd : 1;
  const l2 = o.decoupled ? 0 : wd;
  const size = lr / bc1;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + l2 * w[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const si = b2 * s[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    s[i] = si;
    w[i] = w[i]! * shrink - size * mi / (Math.sqrt(si) / rootBc2 + eps);
  }
}
