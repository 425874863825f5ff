import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import {
  NATIVE_BACKEND_NAME,
  openNativeLibrary,
  type SgdSettings,
  sgdStep,
  useNativeAxpby,
} from "../backends/native/mod.ts";
import { AXPBY_MIN_LENGTH } from "../backends/native/_sgd.ts";
import { DnnlAxpby } from "../backends/native/_dnnl_axpby.ts";
import { BufferPool, POOL_MIN_FLOATS } from "../backends/native/_buffers.ts";
import { transpose } from "../backends/native/_transpose.ts";
import { sgdInPlace } from "../train/_in_place.ts";
import { randomValues, requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

const CASES: Record<string, SgdSettings> = {
  plain: { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  "weight decay": { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01 },
  momentum: { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 },
  dampening: { lr: 0.1, momentum: 0.8, dampening: 0.5, nesterov: false, weightDecay: 0 },
  "nesterov with weight decay": {
    lr: 0.05,
    momentum: 0.9,
    dampening: 0,
    nesterov: true,
    weightDecay: 0.01,
  },
};

for (const [name, o] of Object.entries(CASES)) {
  Deno.test(`native SGD (${name}) updates weights and momentum exactly as the cpu loop does`, async () => {
    await tf.setBackend("cpu"); // sgdInPlace's own loop
    const n = 1000;
    const w0 = Float32Array.from(randomValues(n, 1));
    const [wa, wb] = [w0.slice(), w0.slice()];
    const [ba, bb] = o.momentum ? [new Float32Array(n), new Float32Array(n)] : [];
    for (let s = 0; s < 3; s++) {
      const g = Float32Array.from(randomValues(n, 10 + s));
      sgdInPlace(wa, g, ba, s === 0, o);
      sgdStep(wb, g, bb, s === 0, o);
    }
    assert.deepEqual(wb, wa);
    assert.deepEqual(bb, ba);
    assert.notDeepEqual(wb, w0);
  });
}

Deno.test("native Transpose matches the cpu kernel for every permutation up to rank 4", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  const shape = [2, 3, 5, 17];
  const x = randomValues(2 * 3 * 5 * 17, 3);
  const perms = [[1, 0], [0, 2, 1], [2, 0, 1], [0, 2, 3, 1], [3, 2, 1, 0], [0, 1, 3, 2]];
  for (const perm of perms) {
    const s = shape.slice(0, perm.length);
    const size = s.reduce((a, b) => a * b, 1);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.transpose(tf.tensor(x.slice(0, size), s), perm).dataSync());
    };
    const want = await run("cpu");
    assert.deepEqual(await run(NATIVE_BACKEND_NAME), want, `perm [${perm}]`);
  }
  assert.deepEqual(
    Array.from(transpose(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0])),
    [1, 4, 2, 5, 3, 6],
  );
});

Deno.test("the buffer pool reuses a large buffer once no tensor holds it, never one read out", () => {
  const pool = new BufferPool();
  const a = pool.take(POOL_MIN_FLOATS);
  pool.attach(a);
  pool.detach(a);
  const b = pool.take(POOL_MIN_FLOATS);
  assert.ok(b.buffer === a.buffer, "returned after its only holder went");
  pool.attach(b);
  pool.attach(b.subarray(10)); // a second tensor viewing the same memory
  pool.detach(b);
  assert.ok(pool.take(POOL_MIN_FLOATS).buffer !== b.buffer, "still held by the view");
  pool.detach(b.subarray(10));
  const c = pool.take(POOL_MIN_FLOATS);
  assert.ok(c.buffer === b.buffer);
  pool.attach(c);
  pool.escape(c);
  pool.detach(c);
  assert.ok(pool.take(POOL_MIN_FLOATS).buffer !== c.buffer, "read out once: never reused");
  assert.deepEqual(pool.stats, { reused: 2, fresh: 3 });
  assert.equal(pool.take(16).length, 16, "small arrays are plain new arrays");
});

Deno.test("a large native matmul output read with dataSync keeps its values after disposal", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  await tf.setBackend(NATIVE_BACKEND_NAME);
  const rows = POOL_MIN_FLOATS / 1024;
  const a = tf.ones([rows, 1]), b = tf.ones([1, 1024]);
  const first = tf.matMul(a, b);
  const values = first.dataSync();
  first.dispose();
  const second = tf.matMul(a, tf.fill([1, 1024], 2));
  assert.equal(values[0], 1, "the array handed out is not reused");
  assert.equal(second.dataSync()[5], 2);
  tf.dispose([a, b, second]);
});

Deno.test("oneDNN axpby computes y = alpha * x + beta * y as a float32 loop does", {
  ignore: await missing("native"),
}, () => {
  const r = openNativeLibrary({});
  assert.ok(r.ok && r.lib.dnnl, "oneDNN loads");
  const axpby = new DnnlAxpby(r.lib.dnnl);
  const n = 3001;
  const x = Float32Array.from(randomValues(n, 4)), y0 = Float32Array.from(randomValues(n, 5));
  for (const [alpha, beta] of [[-0.001, 1], [1, 0.9], [0.5, 0.9]] as const) {
    const y = y0.slice();
    assert.equal(axpby.run(alpha, x, beta, y), true);
    for (let i = 0; i < n; i++) {
      const want = Math.fround(alpha) * x[i]! + Math.fround(beta) * y0[i]!;
      assert.ok(Math.abs(y[i]! - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${i}: ${y[i]}`);
    }
  }
});

Deno.test("oneDNN axpby reuses one primitive while a schedule changes alpha every step", {
  ignore: await missing("native"),
}, () => {
  const r = openNativeLibrary({});
  assert.ok(r.ok && r.lib.dnnl, "oneDNN loads");
  const axpby = new DnnlAxpby(r.lib.dnnl);
  const n = 4099;
  const x = Float32Array.from(randomValues(n, 6));
  const y = new Float32Array(n);
  let want = 0;
  for (let step = 0; step < 40; step++) {
    const lr = 0.01 * Math.cos(step / 13); // a cosine-like schedule: a new alpha every step
    assert.equal(axpby.run(-lr, x, 1, y), true);
    want = Math.fround(want - Math.fround(lr) * x[7]!);
  }
  assert.ok(Math.abs(y[7]! - want) <= 1e-6, `${y[7]} vs ${want}`);
  assert.equal(axpby.made, 1, "one primitive for one (length, beta)");
  axpby.run(1, x, 0.9, y);
  assert.equal(axpby.made, 2, "a new beta is a new primitive");
});

Deno.test("long arrays go through the native axpby and end where the loops end", async () => {
  await tf.setBackend("cpu");
  const calls: number[] = [];
  useNativeAxpby((alpha, x, beta, y) => {
    calls.push(alpha);
    for (let i = 0; i < y.length; i++) y[i] = alpha * x[i]! + beta * y[i]!;
    return true;
  });
  try {
    for (const name of ["plain", "momentum", "dampening"]) {
      const o = CASES[name]!;
      const n = AXPBY_MIN_LENGTH;
      const w0 = Float32Array.from(randomValues(n, 1));
      const [wa, wb] = [w0.slice(), w0.slice()];
      const [ba, bb] = o.momentum ? [new Float32Array(n), new Float32Array(n)] : [];
      for (let s = 0; s < 3; s++) {
        const g = Float32Array.from(randomValues(n, 10 + s));
        sgdInPlace(wa, g, ba, s === 0, o);
        sgdStep(wb, g, bb, s === 0, o);
      }
      for (let i = 0; i < n; i += 997) {
        assert.ok(Math.abs(wb[i]! - wa[i]!) <= 1e-6, `${name} w[${i}]: ${wb[i]} vs ${wa[i]}`);
        if (ba) assert.ok(Math.abs(bb![i]! - ba[i]!) <= 1e-6, `${name} buf[${i}]`);
      }
    }
  } finally {
    useNativeAxpby(undefined);
  }
  // plain: 3 updates; momentum and dampening: 1 + 2 * 2 each.
  assert.equal(calls.length, 3 + 5 + 5);
});
