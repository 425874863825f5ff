import assert from "node:assert/strict";
import { type Gemm, libraryPathsFromEnv, openNativeLibrary } from "../backends/native/_library.ts";
import {
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
} from "../backends/native/_conv.ts";
import type { ConvGeometry } from "../tfjs_kernels/conv_geometry.ts";
import { randomValues, relativeError } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

Deno.test("a GRAFT_BLAS path to a missing library gives ok:false with the install hint", () => {
  const before = Deno.env.get("GRAFT_BLAS"), dnnl = Deno.env.get("GRAFT_DNNL");
  Deno.env.set("GRAFT_BLAS", "/nonexistent/libopenblas.so.0");
  Deno.env.delete("GRAFT_DNNL"); // a missing oneDNN path would be reported first
  try {
    const r = openNativeLibrary(libraryPathsFromEnv());
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.reason, /^Cannot open BLAS at GRAFT_BLAS=\/nonexistent\/libopenblas\.so\.0: /);
    assert.match(r.reason, /apt-get install libopenblas0-pthread/);
    assert.equal(r.reason.includes("\n"), false);
  } finally {
    if (before === undefined) Deno.env.delete("GRAFT_BLAS");
    else Deno.env.set("GRAFT_BLAS", before);
    if (dnnl !== undefined) Deno.env.set("GRAFT_DNNL", dnnl);
  }
});

Deno.test("a missing oneDNN path gives ok:false naming GRAFT_DNNL", () => {
  const r = openNativeLibrary({ dnnl: "/nonexistent/libdnnl.so.2" });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(
      r.reason,
      /^Cannot open oneDNN at GRAFT_DNNL=\/nonexistent\/libdnnl\.so\.2: apt-get/,
    );
  }
});

function openGemm(prefer: string): Gemm {
  const r = openNativeLibrary({ prefer });
  assert.ok(r.ok, r.ok ? "" : r.reason);
  return r.lib.gemm;
}

Deno.test("the BLAS and default GEMMs compute row-major products with transposes", {
  ignore: await missing("native"),
}, () => {
  for (const prefer of ["blas", "dnnl"]) {
    const gemm = openGemm(prefer);
    // A = [[1,2,3],[4,5,6]] (2x3), B = [[1,0],[0,1],[1,1]] (3x2): A*B = [[4,5],[10,11]].
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([1, 0, 0, 1, 1, 1]);
    const c = new Float32Array(4);
    gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2);
    assert.deepEqual([...c], [4, 5, 10, 11], prefer);
    // A^T stored as 3x2, B^T stored as 2x3, accumulate with beta = 1 and alpha = 2.
    const at = new Float32Array([1, 4, 2, 5, 3, 6]);
    const bt = new Float32Array([1, 0, 1, 0, 1, 1]);
    gemm(true, true, 2, 2, 3, 2, at, 2, bt, 3, 1, c, 2);
    assert.deepEqual([...c], [12, 15, 30, 33], prefer);
  }
});

Deno.test("the convolution lowerings agree between the BLAS and oneDNN GEMMs", {
  ignore: await missing("native"),
}, () => {
  const blas = openGemm("blas"), dnnl = openGemm("dnnl");
  const g: ConvGeometry = {
    batch: 2,
    inHeight: 12,
    inWidth: 11,
    inChannels: 5,
    outHeight: 12,
    outWidth: 11,
    outChannels: 7,
    filterHeight: 3,
    filterWidth: 3,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 1,
    padLeft: 1,
  };
  const x = randomValues(2 * 12 * 11 * 5, 1), w = randomValues(9 * 5 * 7, 2);
  const dy = randomValues(2 * 12 * 11 * 7, 3), bias = randomValues(7, 4);
  const run = (gemm: Gemm) => [
    conv2dForward(gemm, g, x, w, bias, "relu"),
    conv2dBackpropInput(gemm, g, dy, w),
    conv2dBackpropFilter(gemm, g, x, dy),
  ];
  const [p, q] = [run(blas), run(dnnl)];
  p.forEach((v, i) => assert.ok(relativeError(v, q[i]!) < 1e-5, `output ${i}`));
});
