import assert from "node:assert/strict";
import { benchResizeGain, runResizeGain } from "../bench/resize_gain.ts";
import { GraftError } from "../errors/mod.ts";
import { missing } from "./_requires.ts";

const ARCHIVE = new URL("../../shared/cifar10/cifar-10-binary.tar.gz", import.meta.url).pathname;
const noData = await Deno.stat(ARCHIVE).then(() => false, () => true);

/** pipelines/cifar10_small.yaml without its fixed input shape, so --resize can change it. */
async function smallConfig(): Promise<string> {
  const text = await Deno.readTextFile(new URL("../pipelines/cifar10_small.yaml", import.meta.url));
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(file, text.replace(/^\s*inputShape:.*$/m, ""));
  return file;
}

const tiny = { data: ARCHIVE, limitTrain: 128, validation: 32, limitTest: 64, epochs: 1 };

Deno.test("bench resize-gain trains and scores the same config once per input size", {
  ignore: noData || await missing("native"),
}, async () => {
  const config = await smallConfig();
  try {
    const rows = await benchResizeGain({ ...tiny, config, sides: [32, 40], backend: "native" });
    assert.deepEqual(rows.map((r) => r.side), [32, 40]);
    for (const r of rows) {
      assert.ok(r.top1 >= 0 && r.top1 <= 1, `top-1 ${r.top1}`);
      assert.ok(r.imagesPerSecond > 0 && r.seconds > 0);
    }
  } finally {
    await Deno.remove(config);
  }
});

Deno.test("bench resize-gain names the size whose run failed, in one line", {
  ignore: noData,
}, async () => {
  const config = new URL("../pipelines/cifar10_small.yaml", import.meta.url).pathname;
  await assert.rejects(
    benchResizeGain({ ...tiny, config, sides: [40], backend: "cpu" }),
    (e: unknown) =>
      e instanceof GraftError && e.exitCode === 2 &&
      /^Cannot run bench resize-gain: --resize 40: expected a finished run, received .*inputShape/
        .test(e.message) &&
      !e.message.includes("\n"),
  );
});

Deno.test("bench resize-gain refuses sides below 32 and bad counts before running anything", async () => {
  await assert.rejects(runResizeGain(["--sides", "16,32"]), /--sides: expected input sides ≥ 32/);
  await assert.rejects(runResizeGain(["--epochs", "0"]), /--epochs: expected an integer ≥ 1/);
});
