import assert from "node:assert/strict";
import { NATIVE_INSTALL, nativeAdvice } from "../pipelines/_native_advice.ts";

// This module never registers the native backend before, so the missing path below is the one
// the first (and cached) registration sees: a machine without the libraries.
Deno.env.set("GRAFT_DNNL", "/nonexistent/libdnnl.so.2");

Deno.test("without the native libraries, auto says before training how much faster they are and how to install them", () => {
  const advice = nativeAdvice("auto");
  assert.ok(advice, "no advice");
  assert.match(advice, /^The native libraries were not found, so training runs on /);
  assert.match(advice, /about 60× slower than the native kernels unless a GPU is found/);
  assert.match(advice, /bench\/RESULTS\.md/);
  assert.ok(advice.endsWith(`install them with ${NATIVE_INSTALL}\n`));
  assert.match(
    NATIVE_INSTALL,
    /^sudo apt-get install libdnnl2 libopenblas0-pthread .*brew install openblas .*GRAFT_DNNL \/ GRAFT_BLAS/,
  );
  assert.equal(advice.trimEnd().includes("\n"), false);
});

Deno.test("a backend chosen on purpose gets no advice", () => {
  for (const backend of ["cpu", "webgpu", "tensorflow"]) {
    assert.equal(nativeAdvice(backend), undefined);
  }
});
