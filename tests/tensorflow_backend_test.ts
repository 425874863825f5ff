import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { registerTensorflow } from "../backends/mod.ts";
import { TINY, writeConfig } from "./_cli.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";

Deno.test("the tensorflow backend, when its package is missing, says what it is and what to use instead", async () => {
  const missing = new URL("./fixtures/no_such_tfjs_node.js", import.meta.url).href;
  const r = await registerTensorflow({ modules: [missing] });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.reason, /^@tensorflow\/tfjs-node-gpu \(TensorFlow's native CUDA library/);
  assert.match(r.reason, /optional/);
  assert.match(r.reason, /use --backend webgpu, native or cpu/);
  assert.ok(r.reason.includes("no_such_tfjs_node.js"), "names the module that failed");
});

Deno.test("a tensorflow package that fails half-way leaves no kernels, so the next registers without warnings", async () => {
  const half = new URL("./fixtures/half_tfjs_node.js", import.meta.url).href;
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    const r = await registerTensorflow({ modules: [`${half}?gpu`, `${half}?cpu`] });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason.match(/Cannot load the native binding/g)?.length, 2);
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warnings, []);
  assert.deepEqual(tf.getKernelsForBackend("tensorflow"), []);
});

Deno.test("--backend tensorflow in a checkout without the package downloads nothing and leaves deno.lock as it was", async () => {
  const root = new URL("../", import.meta.url);
  const lock = new URL("deno.lock", root);
  const before = await Deno.readFile(lock);
  const data = await writeArchive(cifarMembers(2, 2));
  const out = `${await Deno.makeTempDir()}/run`;
  try {
    // With the checkout's lock file in use, as `deno task cifar10` runs.
    const r = await new Deno.Command("deno", {
      args: [
        "run",
        "-A",
        new URL("pipelines/cifar10.ts", root).pathname,
        "--config",
        await writeConfig(TINY),
        "--data",
        data,
        "--out",
        out,
        "--backend",
        "tensorflow",
      ],
      cwd: root.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 2, err);
    assert.equal(err.trim().split("\n").length, 1, err);
    assert.match(
      err,
      /^Backend tensorflow is not available: @tensorflow\/tfjs-node-gpu .* is not installed in this project, and Graft never downloads it/,
    );
    assert.match(
      err,
      /@tensorflow\/tfjs-node-gpu: not in this project's import map or node_modules/,
    );
    assert.deepEqual(await Deno.readFile(lock), before, "deno.lock changed");
  } finally {
    await Deno.writeFile(lock, before);
  }
});
