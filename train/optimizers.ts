import * as tf from "@tensorflow/tfjs-core";
import type { ModelWeight } from "./params.ts";
import type { LearningRates, OptimizerConfig } from "./config.ts";
import { adamInPlace, cpuBackend, ownValues, sgdInPlace, valuesOf } from "./_in_place.ts";

/** Base learning rate of each group that has trainable weights; problems when one is missing. */
export function resolveRates(
  lr: LearningRates,
  groups: readonly string[],
  knownGroups: readonly string[],
): { rates: Record<string, number>; problems: string[] } {
  const rates: Record<string, number> = {};
  const problems: string[] = [];
  if (typeof lr === "number") {
    for (const g of groups) rates[g] = lr;
    return { rates, problems };
  }
  for (const g of Object.keys(lr)) {
    if (g !== "*" && !knownGroups.includes(g)) {
      problems.push(
        `lr names group "${g}", which the model does not have (groups: ${knownGroups.join(", ")})`,
      );
    }
  }
  for (const g of groups) {
    const v = lr[g] ?? lr["*"];
    if (v === undefined) problems.push(`lr has no rate for trainable group "${g}" (add it or "*")`);
    else rates[g] = v;
  }
  return { rates, problems };
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
 * (momentum buffers, Adam moments) are variables named `<weight key>/<slot>`. `train()` makes
 * one; make your own to drive `trainStep()` in a loop of your own.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { type ModelWeight, Optimizer } from "@graft/graft/train";
 * const variable = tf.variable(tf.tensor1d([1, 2]));
 * const w: ModelWeight = { key: "fc/kernel", group: "fc", trainable: true, variable };
 * const sgd = new Optimizer({ type: "sgd", lr: 0.1, momentum: 0.9 }, [w]);
 * sgd.apply(new Map([["fc/kernel", tf.tensor1d([1, 1])]]), { fc: 0.1 });
 * console.log(await variable.data()); // [0.9, 1.9]
 * ```
 */
export class Optimizer {
  /** The settings it was made with. */
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

  /** The weights this optimizer updates. */
  get params(): readonly ModelWeight[] {
    return this.#params;
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

  /**
   * The state as plain arrays (step count and every slot), read from the device
   * asynchronously. On a CPU backend the arrays are the slots' own storage: encode or copy them
   * before the next update.
   */
  async getState(): Promise<OptimizerState> {
    const entries = [...this.#slots];
    const values = await Promise.all(entries.map(([, v]) => v.data<"float32">()));
    const slots = new Map<string, { shape: number[]; data: Float32Array }>();
    entries.forEach(([k, v], i) => slots.set(k, { shape: [...v.shape], data: values[i]! }));
    return { step: this.#step, slots };
  }

  /** Restores a state from {@linkcode Optimizer.getState}. */
  setState(state: OptimizerState): void {
    this.dispose();
    this.#step = state.step;
    for (const [k, { shape, data }] of state.slots) {
      // A copy: on the CPU backends the variable's storage is updated in place.
      const t = tf.tensor(data.slice(), shape, "float32");
      this.#slots.set(k, tf.variable(t, false));
      t.dispose();
    }
  }

  /** Frees the slot variables. */
  dispose(): void {
    for (const v of this.#slots.values()) v.dispose();
    this.#slots.clear();
  }
}
