import assert from "node:assert/strict";
import { DataError, decodeBatches, loadCifar10 } from "../data/mod.ts";
import { records } from "./_data_fixtures.ts";

Deno.test("decodeBatches splits records into labels and planar pixels", () => {
  const r = decodeBatches([{ file: "a.bin", bytes: records([3, 9]) }, {
    file: "b.bin",
    bytes: records([0]),
  }]);
  assert.deepEqual(Array.from(r.labels), [3, 9, 0]);
  assert.equal(r.pixels.length, 3 * 3072);
  assert.equal(r.pixels[3072 + 5], (1 * 7 + 5) % 256);
});

Deno.test("a file that is not a whole number of records names the file and byte offset", () => {
  const bytes = records([1, 2, 3]).subarray(0, 3073 * 2 + 100);
  assert.throws(
    () => decodeBatches([{ file: "data_batch_1.bin", bytes }]),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /^Cannot read CIFAR-10 data: data_batch_1\.bin is truncated: /);
      assert.match(e.message, /at byte 6146$/);
      assert.equal(e.dataProblems[0]!.offset, 6146);
      return true;
    },
  );
});

Deno.test("labels outside 0-9 are reported with their record's byte offset, all files at once", () => {
  assert.throws(
    () =>
      decodeBatches([
        { file: "data_batch_1.bin", bytes: records([1, 12, 3]) },
        { file: "test_batch.bin", bytes: new Uint8Array(0) },
      ]),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.problems.length, 2);
      assert.deepEqual(e.dataProblems[0], {
        file: "data_batch_1.bin",
        offset: 3073,
        message: "has label 12 outside 0-9 in record 1",
      });
      assert.deepEqual(e.dataProblems[1], {
        file: "test_batch.bin",
        offset: 0,
        message: "is empty",
      });
      return true;
    },
  );
});

Deno.test("a folder with a truncated batch file fails naming the file and byte offset", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/cifar-10-batches-bin`);
  await Deno.writeFile(
    `${dir}/cifar-10-batches-bin/data_batch_1.bin`,
    records([1]).subarray(0, 3000),
  );
  await Deno.writeFile(`${dir}/cifar-10-batches-bin/test_batch.bin`, records([1]));
  await assert.rejects(
    loadCifar10({ data: dir, limitTrain: 1 }),
    /data_batch_1\.bin is truncated: 3000 bytes .* at byte 0$/,
  );
  await Deno.remove(dir, { recursive: true });
});
