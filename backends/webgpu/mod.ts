/**
 * The WebGPU backend: Deno's built-in WebGPU with `@tensorflow/tfjs-backend-webgpu`, started
 * with a device Graft creates itself, and the helpers that keep a device busy during training
 * (upload the next batch ahead; `train()` also reads its losses back every few steps).
 *
 * @module
 */
export { registerWebGpu } from "./_register.ts";
export { noGpuDevice } from "./_hardware.ts";
export { prefetchToDevice, type TensorTree, uploadNow } from "./prefetch.ts";
