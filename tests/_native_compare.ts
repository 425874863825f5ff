/**
 * Helpers for the native backend tests: seeded random inputs and running the same computation
 * on the reference `cpu` backend and on `graft-native`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// Registers every gradient (tfjs-core alone registers none).
import "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { NATIVE_BACKEND_NAME, registerNative } from "../backends/native/mod.ts";

/** Deterministic uniform [-1, 1) values (mulberry32). */
export function randomValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  }
  return out;
}

/** Registers the native backend, failing the test when it is not available. */
export async function requireNative(): Promise<void> {
  const r = await registerNative();
  assert.ok(r.ok, r.ok ? "" : r.reason);
  // The reference backend prints a "use tfjs-node" banner on first use under Deno.
  const cpu = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/** Runs `f` on `backend` and returns every output as a plain Float32Array. */
export async function runOn(
  backend: string,
  f: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = f();
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  }).map((v) => Float32Array.from(v));
}

/** Largest |a - b| over the largest |b| (1 when b is all zeros). */
export function relativeError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, "output sizes differ");
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return diff / (scale || 1);
}

/** Asserts `f` gives the same outputs on `cpu` and native, to `tol` relative error each. */
export async function assertSameOnBoth(
  label: string,
  f: () => tf.Tensor | tf.Tensor[],
  tol = 1e-4,
): Promise<void> {
  const ref = await runOn("cpu", f);
  const got = await runOn(NATIVE_BACKEND_NAME, f);
  assert.equal(got.length, ref.length);
  ref.forEach((r, i) => {
    const err = relativeError(got[i]!, r);
    assert.ok(err <= tol, `${label} output ${i}: relative error ${err} > ${tol}`);
  });
}
