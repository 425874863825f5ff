// Test helpers for the PyTorch engine: whether PyTorch is here, and running its forward pass.
import { join } from "node:path";
import { missing } from "./_requires.ts";
import { encodeSafetensors, readSafetensors } from "../weights/mod.ts";
import type { WeightMap } from "../weights/weight_map.ts";
import type { TorchModuleDescription } from "../engines/torch/mod.ts";
import { engineReady, pythonPath } from "../engines/torch/_python.ts";

const NO_TORCH = await missing("torch");

/** A test that needs PyTorch: skipped (and counted by the skip helper) without it. */
export function torchTest(name: string, fn: () => Promise<void>): Deno.TestDefinition {
  return { name, ignore: NO_TORCH, fn, sanitizeResources: false, sanitizeOps: false };
}

/** Logits of the engine's module for `x` (NHWC) from Graft-layout weights. */
export async function torchForward(
  description: TorchModuleDescription,
  weights: WeightMap,
  x: Float32Array,
  shape: readonly number[],
): Promise<Float32Array> {
  const dir = await Deno.makeTempDir({ prefix: "graft_torch_" });
  try {
    await Deno.writeTextFile(join(dir, "module.json"), JSON.stringify(description));
    const tensors = Object.fromEntries(
      [...weights].map(([k, t]) => [k, { shape: t.shape, data: t.data }]),
    );
    await Deno.writeFile(join(dir, "w.safetensors"), encodeSafetensors(tensors));
    await Deno.writeFile(join(dir, "x.safetensors"), encodeSafetensors({ x: { shape, data: x } }));
    const out = await new Deno.Command(pythonPath(), {
      args: [
        join(engineReady(), "forward.py"),
        join(dir, "module.json"),
        join(dir, "w.safetensors"),
        join(dir, "x.safetensors"),
        join(dir, "out.safetensors"),
      ],
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return (await readSafetensors(join(dir, "out.safetensors"))).tensors.logits!.data;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Largest absolute difference over the largest magnitude of `b`. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
