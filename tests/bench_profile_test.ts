import assert from "node:assert/strict";
import { formatAccount, PHASES, profileStep } from "../bench/cpu/profile.ts";
import { median, summarise, summaryLine } from "../bench/cpu/mod.ts";
import { requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

Deno.test("bench profile accounts for a whole train() step, phase by phase and kernel by kernel", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  const r = await profileStep("small_cnn", "native", 4);
  const sum = r.phases.reduce((a, p) => a + p.ms, 0);
  assert.ok(Math.abs(sum - r.stepMs) < 1e-6, `phases add up: ${sum} vs ${r.stepMs}`);
  assert.deepEqual(r.phases.map((p) => p.phase), Object.keys(PHASES));
  for (const p of r.phases) {
    assert.ok(p.kernelMs <= p.ms + 1e-6, `${p.phase}: kernels ${p.kernelMs} ms within ${p.ms} ms`);
  }
  const where = (name: string) => r.kernels.filter((k) => k.name === name).map((k) => k.phase);
  assert.deepEqual(where("FusedConv2D"), ["forward"]);
  assert.deepEqual(where("Conv2DBackpropFilter"), ["backward"]);
  // The first convolution runs unfused in training (its input needs no gradient), the second
  // fused; only the second computes its input's gradient.
  assert.equal(r.kernels.find((k) => k.name === "FusedConv2D")?.calls, 1);
  assert.equal(r.kernels.find((k) => k.name === "Conv2D")?.calls, 1);
  assert.equal(r.kernels.find((k) => k.name === "Conv2DBackpropInput")?.calls, 1);
  assert.equal(r.kernels.some((k) => k.name.endsWith("__op")), false, "op scopes are not kernels");
  const ms = r.kernels.map((k) => k.ms);
  assert.deepEqual(ms, [...ms].sort((a, b) => b - a));
  assert.ok(r.unprofiledMs > 0);
  assert.match(r.detail, /^native \(/);
  assert.match(formatAccount(r), /\| optimizer update \| [\d.]+ \| 0\.0 \|/);
});

Deno.test("bench cpu reports median images/s per side and the median ratio with its range", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const run = (side: "graft" | "pytorch", ips: number, rss: number) => ({
    side,
    model: "small_cnn",
    batch: 64,
    images_per_s: ips,
    peak_rss_mb: rss,
    seconds: 1,
    steps: 10,
  });
  const s = summarise([
    [run("graft", 100, 200), run("pytorch", 50, 300)],
    [run("graft", 90, 210), run("pytorch", 100, 290)],
    [run("graft", 120, 205), run("pytorch", 120, 310)],
  ]);
  assert.deepEqual(
    [s.graft, s.pytorch, s.ratio, s.minRatio, s.maxRatio, s.graftRss, s.pytorchRss],
    [100, 100, 1, 0.9, 2, 210, 310],
  );
  assert.equal(
    summaryLine(s),
    "small_cnn: Graft 100.0 img/s, PyTorch 100.0 img/s, ratio 1.00, min 0.90, max 2.00 over 3 " +
      "rounds, peak RSS 210 / 310 MiB",
  );
});
