import assert from "node:assert/strict";
import { join } from "node:path";
import { PARTS, skipSummary } from "./_requires.ts";

Deno.test("the skip summary counts the skipped tests by part with each install line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "skipped.log"), "native\nnative\ntorch\nnative\n");
    const line = skipSummary(dir);
    assert.equal(
      line,
      `Skipped 4 tests: 3 need ${PARTS.native.what}, install: ${PARTS.native.install}; ` +
        `1 needs ${PARTS.torch.what}, install: ${PARTS.torch.install}`,
    );
    assert.match(line, /apt-get install libdnnl2 libopenblas0-pthread/);
    assert.match(line, /apt-get install python3-torch python3-torchvision/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the skip summary says when nothing was skipped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.match(skipSummary(dir), /^Skipped 0 tests/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
