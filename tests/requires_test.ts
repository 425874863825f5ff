import assert from "node:assert/strict";
import { join } from "node:path";
import { PARTS, skipSummary } from "./_requires.ts";

Deno.test("the skip summary counts each module's ignored tests under the part it missed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "modules.log"),
      "native\tfile:///t/a_test.ts\ntorch\tfile:///t/b_test.ts\nnative\tfile:///t/b_test.ts\n" +
        "webgpu\tfile:///t/c_test.ts\n",
    );
    const ignored = new Map([["file:///t/a_test.ts", 3], ["file:///t/b_test.ts", 1]]);
    const line = skipSummary(dir, ignored);
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
    assert.match(skipSummary(dir, new Map()), /^Skipped 0 tests/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task test says once per missing part why, and ends with the count of skips", async () => {
  const root = new URL("..", import.meta.url);
  const requires = new URL("tests/_requires.ts", root).href;
  const dir = await Deno.makeTempDir({ prefix: "graft-requires-" });
  try {
    const head = `import { missing } from ${JSON.stringify(requires)};\n`;
    await Deno.writeTextFile(
      join(dir, "a_test.ts"),
      head + `Deno.test({ name: "one", ignore: await missing("native"), fn() {} });\n` +
        `Deno.test({ name: "two", ignore: await missing("native"), fn() {} });\n`,
    );
    await Deno.writeTextFile( // one answer shared by two tests
      join(dir, "b_test.ts"),
      head + `const skip = await missing("native");\n` +
        `Deno.test({ name: "three", ignore: skip, fn() {} });\n` +
        `Deno.test({ name: "four", ignore: skip, fn() {} });\n`,
    );
    const run = (env: Record<string, string>) =>
      new Deno.Command("deno", {
        args: [
          "run",
          "--allow-run=deno",
          "--allow-env",
          "--allow-read",
          "--allow-write",
          "tools/test.ts",
          "--allow-read",
          "--allow-env",
          "--allow-ffi",
          "--allow-write",
          "--no-lock",
          "tests/",
          join(dir, "a_test.ts"),
          join(dir, "b_test.ts"),
        ],
        cwd: new URL(root).pathname,
        // The outer run may require every part (CI): this child decides for itself.
        env: {
          NO_COLOR: "1",
          GRAFT_DNNL: "/nonexistent/libdnnl.so.2",
          GRAFT_REQUIRE_ALL: "",
          ...env,
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const skipped = await run({});
    const text = new TextDecoder().decode(skipped.stdout) +
      new TextDecoder().decode(skipped.stderr);
    assert.equal(skipped.code, 0, text);
    assert.equal(text.match(/^Skipping the tests that need oneDNN\/OpenBLAS/gm)?.length, 1, text);
    assert.match(text, /ok \| 0 passed \| 0 failed \| 4 ignored/);
    assert.match(
      new TextDecoder().decode(skipped.stdout).trimEnd().split("\n").at(-1)!,
      /^Skipped 4 tests: 4 need oneDNN\/OpenBLAS \(the native backend\), install: sudo apt-get/,
    );
    const required = await run({ GRAFT_REQUIRE_ALL: "1" });
    const err = new TextDecoder().decode(required.stdout) +
      new TextDecoder().decode(required.stderr);
    assert.notEqual(required.code, 0);
    assert.match(err, /oneDNN\/OpenBLAS \(the native backend\) is missing \(GRAFT_REQUIRE_ALL=1\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
