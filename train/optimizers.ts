import * as tf from "@tensorflow/tfjs-core";
import type { ModelWeight } from "./params.ts";
import { adamInPlace, cpuBackend, ownValues, sgdInPlace, valuesOf } from "./_in_place.ts";

/**
 * Learning rates: one for every group, or one per group (`{ features: 1e-4, classifier: 1e-2 }`,
 * the group of a weight being the first segment of its layer path). Key `"*"` sets the rate of
 * groups not named.
 *
 * @example
 * ```ts
 * import type { LearningRates } from "@graft/graft/train";
 * const lr: LearningRates = { features: 1e-4, classifier: 1e-2 };
 * ```
 */
export type LearningRates = number | { readonly [group: string]: number };

/**
 * An optimizer and its settings, with PyTorch's semantics and defaults:
 * - `sgd`: `momentum` (0), `nesterov` (false), `dampening` (0), `weightDecay` (0, L2 added to the
 *   gradient);
 * - `adam`: `beta1` (0.9), `beta2` (0.999), `epsilon` (1e-8), `weightDecay` (0, L2);
 * - `adamw`: as adam, `weightDecay` (0.01) decoupled: `p -= lr * wd * p` before the Adam step.
 *
 * @example
 * ```ts
 * import type { OptimizerConfig } from "@graft/graft/train";
 * const sgd: OptimizerConfig = { type: "sgd", lr: 0.001, momentum: 0.9 };
 * const adamw: OptimizerConfig = { type: "adamw", lr: { features: 1e-4, classifier: 1e-3 } };
 * ```
 */
export type OptimizerConfig =
  | {
    readonly type: "sgd";
    readonly lr: LearningRates;
    readonly momentum?: number;
    readonly nesterov?: boolean;
    readonly dampening?: number;
    readonly weightDecay?: number;
  }
  | {
    readonly type: "adam" | "adamw";
    readonly lr: LearningRates;
    readonly beta1?: number;
    readonly beta2?: number;
    readonly epsilon?: number;
    readonly weightDecay?: number;
  };

/** Base learning rate of each group that has trainable weights; problems when one is missing. */
export function resolveRates(
  lr: LearningRates,
  groups: readonly string[],
  knownGroups: readonly string[],
): { rates: Record<string, number>; problems: string[] } {
  const rates: Record<string, number> = {};
  const problems: string[] = [];
  if (typeof lr === "number") {
    if (!(lr >= 0 && Number.isFinite(lr))) problems.push(`lr must be a number >= 0, got ${lr}`);
    for (const g of groups) rates[g] = lr;
    return { rates, problems };
  }
  for (const [g, v] of Object.entries(lr)) {
    if (g !== "*" && !knownGroups.includes(g)) {
      problems.push(
        `lr names group "${g}", which the model does not have (groups: ${knownGroups.join(", ")})`,
      );
    }
    if (!(v >= 0 && Number.isFinite(v))) problems.push(`lr.${g} must be a number >= 0, got ${v}`);
  }
  for (const g of groups) {
    const v = lr[g] ?? lr["*"];
    if (v === undefined) problems.push(`lr has no rate for trainable group "${g}" (add it or "*")`);
    else rates[g] = v;
  }
  return { rates, problems };
}

/** Problems with an optimizer's settings (empty when valid). */
export function checkOptimizer(c: OptimizerConfig): string[] {
  const out: string[] = [];
  const range = (name: string, v: number | undefined, lo: number, hi: number) => {
    if (v !== undefined && !(v >= lo && v <= hi)) {
      out.push(`optimizer.${name} must be in [${lo}, ${hi}], got ${v}`);
    }
  };
  if (c.type === "sgd") {
    range("momentum", c.momentum, 0, 1);
    range("dampening", c.dampening, 0, 1);
    range("weightDecay", c.weightDecay, 0, Infinity);
    if (c.nesterov && !((c.momentum ?? 0) > 0 && (c.dampening ?? 0) === 0)) {
      out.push("optimizer.nesterov needs a momentum above 0 and zero dampening");
    }
  } else if (c.type === "adam" || c.type === "adamw") {
    range("beta1", c.beta1, 0, 0.999999);
    range("beta2", c.beta2, 0, 0.999999999);
    range("epsilon", c.epsilon, 0, 1);
    range("weightDecay", c.weightDecay, 0, Infinity);
  } else {
    out.push(`optimizer.type must be sgd, adam or adamw, got ${(c as { type: string }).type}`);
  }
  return out;
}

/**
 * Optimizer state as named arrays, as checkpoints store it.
 *
 * @example
 * ```ts
 * import type { OptimizerState } from "@graft/graft/train";
 * const state: OptimizerState = { step: 0, slots: new Map() };
 * ```
 */
export interface OptimizerState {
  /** Updates done (Adam's bias correction depends on it). */
  readonly step: number;
  /** Slots by `<weight key>/<slot>`: `momentum` for SGD, `m` and `v` for Adam and AdamW. */
  readonly slots: Map<string, { shape: number[]; data: Float32Array }>;
}

/**
 * Applies updates to the trainable weights only, with PyTorch's update rules. Its slots
 * (momentum buffers, Adam moments) are variables named `<weight key>/<slot>`.
 */
export class Optimizer {
  readonly config: OptimizerConfig;
  #params: readonly ModelWeight[];
  #slots = new Map<string, tf.Variable>();
  #step = 0;

  readonly #inPlace: boolean;

  /**
   * Creates the optimizer over `params`. On the CPU backends updates run in place over each
   * weight's values (`inPlace: false` forces the tensor path other backends take).
   */
  constructor(
    config: OptimizerConfig,
    params: readonly ModelWeight[],
    options: { readonly inPlace?: boolean } = {},
  ) {
    this.config = config;
    this.#params = params;
    this.#inPlace = options.inPlace ?? true;
  }

  /** Updates done so far. */
  get step(): number {
    return this.#step;
  }

  #slot(key: string, like: tf.Tensor, init?: tf.Tensor): tf.Variable {
    let v = this.#slots.get(key);
    if (!v) {
      v = tf.variable(init ?? tf.zerosLike(like), false, undefined, "float32");
      this.#slots.set(key, v);
    }
    return v;
  }

  /** One update: `grads` by weight key, `lrs` by group. Disposes nothing it was given. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lrs: Readonly<Record<string, number>>): void {
    this.#step++;
    const t = this.#step;
    const c = this.config;
    for (const p of this.#params) {
      const g0 = grads.get(p.key);
      if (!g0) continue;
      const lr = lrs[p.group] ?? 0;
      const v = p.variable;
      if (this.#applyInPlace(p, g0, lr, t)) continue;
      tf.tidy(() => {
        if (c.type === "sgd") {
          const mu = c.momentum ?? 0;
          const wd = c.weightDecay ?? 0;
          let g = wd ? tf.add(g0, tf.mul(v, wd)) : g0;
          if (mu) {
            const key = `${p.key}/momentum`;
            const first = !this.#slots.has(key);
            const buf = this.#slot(key, g, first ? tf.clone(g) : undefined);
            if (!first) buf.assign(tf.add(tf.mul(buf, mu), tf.mul(g, 1 - (c.dampening ?? 0))));
            g = c.nesterov ? tf.add(g, tf.mul(buf, mu)) : buf;
          }
          v.assign(tf.sub(v, tf.mul(g, lr)));
          return;
        }
        const b1 = c.beta1 ?? 0.9;
        const b2 = c.beta2 ?? 0.999;
        const eps = c.epsilon ?? 1e-8;
        const decoupled = c.type === "adamw";
        const wd = c.weightDecay ?? (decoupled ? 0.01 : 0);
        let g = g0;
        let base: tf.Tensor = v;
        if (wd && decoupled) base = tf.mul(v, 1 - lr * wd);
        else if (wd) g = tf.add(g, tf.mul(v, wd));
        const m = this.#slot(`${p.key}/m`, g);
        const s = this.#slot(`${p.key}/v`, g);
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        s.assign(tf.add(tf.mul(s, b2), tf.mul(tf.square(g), 1 - b2)));
        const bc1 = 1 - b1 ** t;
        const bc2 = 1 - b2 ** t;
        const denom = tf.add(tf.div(tf.sqrt(s), Math.sqrt(bc2)), eps);
        v.assign(tf.sub(base, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    }
  }

  /** The update of one weight done in place on a CPU backend; false where it cannot be. */
  #applyInPlace(p: ModelWeight, g0: tf.Tensor, lr: number, t: number): boolean {
    const b = this.#inPlace ? cpuBackend() : undefined;
    if (!b) return false;
    const g = valuesOf(b, g0);
    const w = g && g.length === p.variable.size ? ownValues(b, p.variable) : undefined;
    if (!g || !w) return false;
    const c = this.config;
    const slot = (name: string) => {
      const key = `${p.key}/${name}`;
      const first = !this.#slots.has(key);
      const v = tf.tidy(() => this.#slot(key, p.variable)); // tidy frees the zeros it copied
      return { first, values: ownValues(b, v)! };
    };
    if (c.type === "sgd") {
      const mu = c.momentum ?? 0;
      const buf = mu ? slot("momentum") : undefined;
      sgdInPlace(w, g, buf?.values, buf?.first ?? false, {
        lr,
        momentum: mu,
        dampening: c.dampening ?? 0,
        nesterov: c.nesterov ?? false,
        weightDecay: c.weightDecay ?? 0,
      });
      return true;
    }
    const decoupled = c.type === "adamw";
    adamInPlace(w, g, slot("m").values, slot("v").values, {
      lr,
      beta1: c.beta1 ?? 0.9,
      beta2: c.beta2 ?? 0.999,
      epsilon: c.epsilon ?? 1e-8,
      weightDecay: c.weightDecay ?? (decoupled ? 0.01 : 0),
      decoupled,
      step: t,
    });
    return true;
  }

  /** The state as plain arrays (step count and every slot). */
  getState(): OptimizerState {
    const slots = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [k, v] of this.#slots) {
      slots.set(k, { shape: [...v.shape], data: v.dataSync() as Float32Array });
    }
    return { step: this.#step, slots };
  }

  /** Restores a state from {@linkcode Optimizer.getState}. */
  setState(state: OptimizerState): void {
    this.dispose();
    this.#step = state.step;
    for (const [k, { shape, data }] of state.slots) {
      this.#slots.set(k, tf.variable(tf.tensor(data, shape, "float32"), false));
    }
  }

  /** Frees the slot variables. */
  dispose(): void {
    for (const v of this.#slots.values()) v.dispose();
    this.#slots.clear();
  }
}
