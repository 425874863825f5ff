/** Adapter reporting, fallback detection, and the optional tensorflow backend's error. */
import assert from "node:assert/strict";
import { describeAdapter, summarizeAdapter } from "../backends/webgpu/_adapter.ts";
import { registerTensorflow } from "../backends/tensorflow/mod.ts";
import { registerWebGpu } from "../backends/webgpu/mod.ts";
import { missing } from "./_requires.ts";
import { useBackend } from "../backends/use_backend.ts";

function fakeAdapter(info: Record<string, unknown> | "throws"): GPUAdapter {
  return {
    get info() {
      if (info === "throws") throw new TypeError("adapter is consumed");
      return info;
    },
  } as unknown as GPUAdapter;
}

Deno.test("a software adapter is reported as a fallback and a hardware one is not", () => {
  const soft = summarizeAdapter(fakeAdapter({
    vendor: "65541",
    architecture: "",
    description: "llvmpipe (LLVM 15.0.6, 256 bits)",
  }));
  assert.equal(soft.fallback, true);
  assert.match(describeAdapter(soft), /vendor Mesa, .*llvmpipe.*fallback/);
  const gpu = summarizeAdapter(fakeAdapter({
    vendor: "4318",
    architecture: "hopper",
    description: "NVIDIA H200",
    isFallbackAdapter: false,
  }));
  assert.equal(gpu.fallback, false);
  assert.equal(
    describeAdapter(gpu),
    "WebGPU adapter: vendor NVIDIA, architecture hopper, NVIDIA H200",
  );
  assert.equal(summarizeAdapter(fakeAdapter({ isFallbackAdapter: true })).fallback, true);
});

Deno.test("an adapter whose info throws is summarised without throwing", () => {
  const s = summarizeAdapter(fakeAdapter("throws"));
  assert.deepEqual(s, {
    vendor: "",
    architecture: "",
    device: "",
    description: "",
    fallback: false,
  });
});

Deno.test({
  name: "registerWebGpu names the adapter and flags llvmpipe as a fallback",
  ignore: await missing("webgpu"),
  fn: async () => {
    const r = await registerWebGpu();
    assert.ok(r.ok, r.ok ? "" : r.reason);
    assert.equal(r.tfBackend, "webgpu");
    assert.match(r.detail, /^WebGPU adapter: vendor /);
    const adapter = await navigator.gpu.requestAdapter();
    const description = adapter?.info.description ?? "";
    assert.ok(r.detail.includes(description), r.detail);
    assert.equal(
      r.detail.includes("fallback"),
      /llvmpipe/.test(description) || adapter!.info.isFallbackAdapter,
    );
    assert.equal(await registerWebGpu(), r);
  },
});

Deno.test("the tensorflow backend says what is missing and that it is optional", async () => {
  const r = await registerTensorflow({ modules: ["file:///nonexistent/graft/tfjs-node.js"] });
  assert.equal(r.ok, false);
  assert.match(r.ok ? "" : r.reason, /^@tensorflow\/tfjs-node-gpu .*optional.*nonexistent/);
});

Deno.test({
  name: "useBackend picks webgpu when asked and auto passes over a software adapter",
  ignore: await missing("webgpu"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const gpu = await useBackend("webgpu", { quiet: true });
    assert.equal(gpu.tfBackend, "webgpu");
    assert.match(gpu.detail, /^WebGPU adapter: /);
    const soft = (await navigator.gpu.requestAdapter())?.info.description.includes("llvmpipe");
    const auto = await useBackend("auto", { quiet: true });
    assert.equal(auto.chosen === "webgpu", !soft, `auto chose ${auto.chosen}: ${auto.detail}`);
  },
});
