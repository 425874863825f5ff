import assert from "node:assert/strict";
import { NATIVE_INSTALL, nativeAdvice } from "../pipelines/_native_advice.ts";

// What registration gives on a machine without the libraries.
const absent = () => ({ ok: false, reason: "No native BLAS or oneDNN library found" }) as const;

Deno.test("without the native libraries, auto says before training how much faster they are and how to install them", () => {
  const advice = nativeAdvice("auto", absent);
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
    assert.equal(nativeAdvice(backend, absent), undefined);
  }
});

Deno.test("with the native libraries there is nothing to say", () => {
  const present = () => ({ ok: true, tfBackend: "graft-native", detail: "oneDNN" }) as const;
  assert.equal(nativeAdvice("auto", present), undefined);
});
