import assert from "node:assert/strict";
import { NATIVE_INSTALL, nativeAdvice } from "../pipelines/_native_advice.ts";
import { cliProcess, TINY, writeConfig } from "./_cli.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";

// What registration gives on a machine without the libraries.
const absent = () => ({ ok: false, reason: "No native BLAS or oneDNN library found" }) as const;

Deno.test("without the native libraries, auto says before training how much faster they are and how to install them", () => {
  const advice = nativeAdvice("auto", absent);
  assert.ok(advice, "no advice");
  assert.match(advice, /^The native libraries were not found, so training runs on /);
  assert.match(advice, /about 60× slower than the native kernels unless a GPU is found/);
  assert.match(advice, /bench\/RESULTS\.md/);
  assert.ok(advice.endsWith(`install them with ${NATIVE_INSTALL}\n`));
  assert.match(
    NATIVE_INSTALL,
    /^sudo apt-get install libdnnl2 libopenblas0-pthread .*brew install openblas .*GRAFT_DNNL \/ GRAFT_BLAS/,
  );
  assert.equal(advice.trimEnd().includes("\n"), false);
});

Deno.test("a backend chosen on purpose gets no advice", () => {
  for (const backend of ["cpu", "webgpu", "tensorflow"]) {
    assert.equal(nativeAdvice(backend, absent), undefined);
  }
});

Deno.test("with the native libraries there is nothing to say", () => {
  const present = () => ({ ok: true, tfBackend: "graft-native", detail: "oneDNN" }) as const;
  assert.equal(nativeAdvice("auto", present), undefined);
});

Deno.test("--backend native without its libraries is one line and exit code 2, before any run folder", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "graft-no-native-" });
  try {
    const r = await cliProcess([
      "--config",
      await writeConfig(TINY),
      "--backend",
      "native",
      "--data",
      await writeArchive(cifarMembers(4, 4)),
      "--out",
      `${cwd}/run`,
    ], { GRAFT_DNNL: `${cwd}/no_dnnl.so`, GRAFT_BLAS: `${cwd}/no_blas.so`, NO_COLOR: "1" });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^Backend native is not available: .*no_dnnl\.so[^\n]*\n$/);
    assert.equal(await Deno.stat(`${cwd}/run`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("without the native libraries, a config or run-folder error is all that is said; the advice comes only when a run chooses its backend", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "graft-no-native-" });
  const env = { GRAFT_DNNL: `${cwd}/no_dnnl.so`, GRAFT_BLAS: `${cwd}/no_blas.so`, NO_COLOR: "1" };
  const run = async (config: string, out: string, data = `${cwd}/no_such_data`) =>
    await cliProcess(
      ["--config", await writeConfig(config), "--backend", "auto", "--data", data, "--out", out],
      env,
    );
  try {
    const head = await run(TINY.replace("units: 10", "units: 5"), `${cwd}/a`);
    assert.equal(head.code, 2, head.err);
    assert.match(
      head.err,
      /^Cannot train this config: model: the model's head gives 5 outputs[^\n]*\n$/,
    );

    await Deno.mkdir(`${cwd}/taken`);
    await Deno.writeTextFile(`${cwd}/taken/notes.txt`, "mine");
    const taken = await run(TINY, `${cwd}/taken`);
    assert.equal(taken.code, 2, taken.err);
    assert.equal(taken.err.trim().split("\n").length, 1, taken.err);
    assert.doesNotMatch(taken.err, /native libraries/);

    // A run that passes every check chooses its backend (here it then finds no data).
    const proceeds = await run(TINY, `${cwd}/b`);
    assert.equal(proceeds.code, 2, proceeds.err);
    assert.match(proceeds.err, /^The native libraries were not found, so training runs on /);
    assert.match(proceeds.err, /no_such_data/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
