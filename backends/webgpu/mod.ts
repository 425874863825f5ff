/**
 * The WebGPU backend: Deno's built-in WebGPU with `@tensorflow/tfjs-backend-webgpu`, started
 * with a device Graft creates itself, and the fast convolution weight gradient.
 *
 * @module
 */
export { registerWebGpu } from "./_register.ts";
