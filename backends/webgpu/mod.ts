/**
 * The WebGPU backend: Deno's built-in WebGPU with `@tensorflow/tfjs-backend-webgpu`, started
 * with a device Graft creates itself, and helpers that keep a device busy during training
 * (upload the next batch ahead, read the loss back every N steps).
 *
 * @module
 */
export { registerWebGpu } from "./_register.ts";
export { prefetchToDevice, type TensorTree, uploadNow } from "./prefetch.ts";
export { LossReadback } from "./loss_readback.ts";
