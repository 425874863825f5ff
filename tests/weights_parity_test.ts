import assert from "node:assert/strict";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { loadWeights } from "../weights/mod.ts";
import { fixtureIo, FIXTURES, predict, relativeError, tinyVgg } from "./_weights_fixtures.ts";

await useBackend("cpu", { quiet: true });
const io = fixtureIo();

for (const bn of [false, true]) {
  const stem = bn ? "vgg_tiny_bn" : "vgg_tiny";
  for (const ext of ["safetensors", "h5"]) {
    Deno.test(`${stem}.${ext} from PyTorch gives PyTorch's logits to 1e-4`, async () => {
      const spec = tinyVgg(bn);
      const model = build(spec, { seed: 7 });
      const expected = io.logits[stem]!;
      assert.ok(relativeError(predict(model, io.input), expected) > 0.1, "fresh model differs");
      const report = await loadWeights(model, spec, `${FIXTURES}${stem}.${ext}`);
      assert.equal(report.format, ext === "h5" ? "keras-h5" : "torch");
      assert.equal(report.loaded.length, bn ? 9 : 6);
      assert.deepEqual(report.unused, []);
      const err = relativeError(predict(model, io.input), expected);
      assert.ok(err < 1e-4, `relative error ${err}`);
      if (Deno.env.get("GRAFT_VERBOSE")) console.log(`${stem}.${ext}: relative error ${err}`);
    });
  }
}
