import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { groupOf } from "../dsl/mod.ts";

/**
 * One weight of a built model: its stable key (`features.0/kernel`), its group (the first
 * segment of the layer's path, `features`), whether training updates it, and its variable.
 *
 * @example
 * ```ts
 * import type { ModelWeight } from "@graft/graft/train";
 * const describe = (w: ModelWeight) => `${w.key} in ${w.group}: ${w.trainable}`;
 * ```
 */
export interface ModelWeight {
  /** `<layer path>/<weight name>`, e.g. `classifier.6/bias`; stable across builds. */
  readonly key: string;
  /** First segment of the layer path. */
  readonly group: string;
  /** Updated by the optimizer (the layer and the weight are trainable). */
  readonly trainable: boolean;
  /** The TensorFlow.js variable holding the values. */
  readonly variable: tf.Variable;
}

/**
 * Every weight of a model, in layer order, with its key and group. Trainable weights are those
 * TensorFlow.js lists as trainable for their layer (frozen layers list none).
 *
 * @example
 * ```ts ignore
 * import { modelWeights } from "@graft/graft/train";
 * const trainable = modelWeights(model).filter((w) => w.trainable);
 * ```
 */
export function modelWeights(model: tfl.LayersModel): ModelWeight[] {
  const out: ModelWeight[] = [];
  for (const layer of model.layers) {
    const trainable = new Set(layer.trainableWeights.map((w) => w.id));
    for (const w of layer.weights) {
      const short = w.originalName.slice(w.originalName.lastIndexOf("/") + 1);
      out.push({
        key: `${layer.name}/${short}`,
        group: groupOf(layer.name),
        trainable: trainable.has(w.id),
        // LayerVariable.read() returns the variable itself (no copy).
        variable: w.read() as tf.Variable,
      });
    }
  }
  return out;
}
