import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadCifar10 } from "../data/mod.ts";

const archive = fileURLToPath(
  new URL("../../shared/cifar10/cifar-10-binary.tar.gz", import.meta.url),
);
const present = (() => {
  try {
    return Deno.statSync(archive).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "the shared CIFAR-10 archive holds 50,000 / 10,000 images, 5,000 / 1,000 per class",
  ignore: !present,
  async fn() {
    const data = await loadCifar10({ data: archive });
    assert.equal(data.train.size, 50000);
    assert.equal(data.test.size, 10000);
    assert.deepEqual(data.train.histogram(), new Array(10).fill(5000));
    assert.deepEqual(data.test.histogram(), new Array(10).fill(1000));
    assert.equal(data.classes[9], "truck");
  },
});
