import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { registerTensorflow } from "../backends/mod.ts";

Deno.test("the tensorflow backend, when its package is missing, says what it is and what to use instead", async () => {
  const missing = new URL("./fixtures/no_such_tfjs_node.js", import.meta.url).href;
  const r = await registerTensorflow({ modules: [missing] });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.reason, /^@tensorflow\/tfjs-node-gpu \(TensorFlow's native CUDA library/);
  assert.match(r.reason, /optional/);
  assert.match(r.reason, /use --backend webgpu, native or cpu/);
  assert.ok(r.reason.includes("no_such_tfjs_node.js"), "names the module that failed");
});

Deno.test("a tensorflow package that fails half-way leaves no kernels, so the next registers without warnings", async () => {
  const half = new URL("./fixtures/half_tfjs_node.js", import.meta.url).href;
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    const r = await registerTensorflow({ modules: [`${half}?gpu`, `${half}?cpu`] });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason.match(/Cannot load the native binding/g)?.length, 2);
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warnings, []);
  assert.deepEqual(tf.getKernelsForBackend("tensorflow"), []);
});
