import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";
import { missing } from "./_requires.ts";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const README = await Deno.readTextFile(join(ROOT, "README.md"));

/** The first ```ts block after a heading. */
function example(heading: string): string {
  const at = README.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has no ${heading}`);
  const m = /```ts\n([\s\S]*?)```/.exec(README.slice(at));
  assert.ok(m, `no ts block under ${heading}`);
  return m[1]!;
}

Deno.test("the README shows how to add the package and its licence exists", async () => {
  assert.match(README, /^deno add jsr:@graft\/graft$/m);
  const license = await Deno.readTextFile(join(ROOT, "LICENSE"));
  assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 Graft authors\n/);
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  assert.equal(config.license, "MIT");
  assert.equal(config.exports["./cli"], "./pipelines/cifar10.ts");
});

Deno.test(
  "the README's library example runs as written, with the permissions it states",
  { ignore: await missing("native") }, // VGG11 on the reference CPU kernels takes minutes
  async () => {
    const code = example("### As a library");
    const dir = await Deno.makeTempDir({ prefix: "graft-readme-" });
    try {
      // Only the data is the test's: a small archive, and a validation split that fits it.
      const data = await writeArchive(cifarMembers(8, 16));
      const script = code
        .replace('"@graft/graft"', JSON.stringify(pathToFileURL(join(ROOT, "mod.ts")).href))
        .replace('"cifar-10-binary.tar.gz"', JSON.stringify(data))
        .replace("holdOut(data.train, 5000, 0)", "holdOut(data.train, 10, 0)")
        .replace("epochs: 3", "epochs: 1");
      assert.equal((script.match(new RegExp(data, "g")) ?? []).length, 1);
      await Deno.writeTextFile(join(dir, "example.ts"), script);
      const out = await new Deno.Command("deno", {
        args: [
          "run",
          `--config=${join(ROOT, "deno.json")}`,
          "--no-lock",
          "--no-prompt",
          "--allow-read",
          "--allow-env",
          "--allow-ffi",
          join(dir, "example.ts"),
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.ok(out.success, `exit ${out.code} signal ${out.signal}: ${stderr}`);
      assert.match(stderr, /^Backend native .*chosen by Graft as none was/m);
      assert.doesNotMatch(stderr + stdout, /Hi, looks like you are running TensorFlow\.js/);
      const [top1] = stdout.trim().split(/\s+/);
      assert.ok(Number(top1) >= 0 && Number(top1) <= 1, stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("the README states what one epoch's checkpoint of the seed recipe holds, as its spec counts it", async () => {
  const { parseConfig, specFrom } = await import("../pipelines/_config.ts");
  const file = join(ROOT, "pipelines", "cifar10.yaml");
  const { config, locator } = parseConfig(await Deno.readTextFile(file), file);
  const s = specFrom(config, locator, file).summary();
  // SGD with momentum keeps one slot per trainable weight: exact resume writes both each epoch.
  assert.equal(config.train.optimizer.type, "sgd");
  assert.ok((config.train.optimizer as { momentum: number }).momentum > 0);
  const mb = (n: number) => Math.round(n * 4 / 1e6);
  const total = (s.nonTrainable + 2 * s.trainable) * 4 / 1e9;
  const text = README.replace(/\s+/g, " ");
  assert.ok(text.includes(`Each epoch writes one checkpoint, ${total.toFixed(2)} GB for the seed`));
  assert.ok(
    text.includes(
      `its ${(s.trainable / 1e6).toFixed(1)}M trainable weights (${mb(s.trainable)} MB) and ` +
        `their SGD momentum (${mb(s.trainable)} MB)`,
    ),
  );
  const share = Math.round(s.nonTrainable / (s.nonTrainable + 2 * s.trainable) * 100);
  assert.ok(
    text.includes(
      `the ${(s.nonTrainable / 1e6).toFixed(1)}M frozen \`features\` weights ` +
        `(${mb(s.nonTrainable)} MB, ${share} % of the file)`,
    ),
  );
});
