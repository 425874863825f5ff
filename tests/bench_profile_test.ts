import assert from "node:assert/strict";
import { profileStep } from "../bench/cpu/profile.ts";
import { requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

Deno.test("bench profile lists the kernels of one training step, largest first", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  const r = await profileStep("small_cnn", "native", 4);
  assert.ok(r.stepMs > 0);
  const names = r.kernels.map((k) => k.name);
  for (const k of ["FusedConv2D", "Conv2DBackpropFilter", "MaxPool", "GraftReluGrad"]) {
    assert.ok(names.includes(k), `${k} in ${names.join(",")}`);
  }
  assert.equal(names.some((n) => n.endsWith("__op")), false, "op scopes are not kernels");
  assert.equal(r.kernels.find((k) => k.name === "FusedConv2D")?.calls, 2);
  const ms = r.kernels.map((k) => k.ms);
  assert.deepEqual(ms, [...ms].sort((a, b) => b - a));
  assert.match(r.detail, /^native \(/);
});
