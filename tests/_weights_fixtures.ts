// Shared helpers of the weights tests: the tiny VGG that tools/make_fixtures.py saved from
// PyTorch, as a Graft spec, and the fixtures' input batch and logits.
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  adaptiveAvgPool2d,
  batchNorm,
  conv2d,
  dense,
  dropout,
  flatten,
  type Layer,
  maxPool2d,
  relu,
  sequential,
} from "../dsl/mod.ts";
import { decodeSafetensors } from "../weights/mod.ts";

export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** torchvision's VGG over cfg [8, M, 16, M, 16, M] with a 784-8-8-10 classifier. */
export function tinyVgg(bn: boolean) {
  const features: Layer[] = [];
  for (const v of [8, "M", 16, "M", 16, "M"] as const) {
    if (v === "M") features.push(maxPool2d(2));
    else features.push(conv2d(v, 3, { padding: 1 }), ...(bn ? [batchNorm()] : []), relu());
  }
  return sequential(bn ? "vgg_tiny_bn" : "vgg_tiny", [32, 32, 3], {
    features,
    avgpool: [adaptiveAvgPool2d(7)],
    flatten: [flatten()],
    classifier: [dense(8), relu(), dropout(0.5), dense(8), relu(), dropout(0.5), dense(10)],
  });
}

/** The input batch (converted to NHWC) and PyTorch's logits for each model. */
export function fixtureIo(): { input: tf.Tensor4D; logits: Record<string, Float32Array> } {
  const io = decodeSafetensors(Deno.readFileSync(`${FIXTURES}vgg_tiny_io.safetensors`));
  const x = io.tensors.input!;
  const input = tf.tidy(() =>
    tf.transpose(tf.tensor4d(x.data, x.shape as [number, number, number, number]), [0, 2, 3, 1])
  ) as tf.Tensor4D;
  const logits: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(io.tensors)) {
    if (k.startsWith("logits_")) logits[k.slice("logits_".length)] = t.data;
  }
  return { input, logits };
}

/** max |a - b| / max |b| */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

export function predict(model: tfl.LayersModel, input: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
}
