import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { ENV_VARS, NET_HOSTS } from "../pipelines/_permissions.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const TASKS = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).tasks as Record<
  string,
  string
>;

/** The `--allow-…` flags of a deno.json task, unquoted, `$HOME` replaced by `home`. */
function taskFlags(task: string, home: string): string[] {
  const words = TASKS[task]!.match(/'[^']*'|"[^"]*"|\S+/g)!.map((w) =>
    w.replace(/^['"]|['"]$/g, "")
  );
  return words.filter((w) => w.startsWith("--")).filter((w) => !w.startsWith("--backend"))
    .map((w) => w.replaceAll("$HOME", home));
}

async function deno(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const out = await new Deno.Command("deno", {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("the cifar10 tasks grant only what a run needs: scoped write, env and net, FFI only for native, no sys or run", () => {
  for (const task of ["cifar10", "cifar10:cpu"]) {
    const flags = taskFlags(task, "/home/u");
    assert.ok(flags.includes("--no-prompt"), task);
    assert.ok(flags.includes("--allow-read"), task);
    assert.ok(flags.includes("--allow-write=runs,/home/u/.cache/graft"), task);
    assert.ok(flags.includes(`--allow-env=${ENV_VARS.join(",")}`), task);
    assert.ok(flags.includes(`--allow-net=${NET_HOSTS.join(",")}`), task);
    assert.equal(flags.some((f) => /^--allow-(sys|run|all|import)|^-A$/.test(f)), false, task);
    assert.equal(flags.includes("--allow-ffi"), task === "cifar10", task);
  }
  assert.match(TASKS["cifar10:cpu"]!, /pipelines\/cifar10\.ts --backend cpu$/);
});

Deno.test("deno run pipelines/cifar10.ts without permissions stops at once, printing the command that grants them", async () => {
  const r = await deno(["run", "--no-prompt", "pipelines/cifar10.ts", "--epochs", "1"]);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(
    lines[0]!,
    /^Missing Deno permissions: env HOME, GRAFT_CACHE, LOG_TOKENS; write runs: run$/,
  );
  assert.equal(lines[1], "  deno task cifar10 --epochs 1");
  assert.equal(
    lines[2],
    '  or: deno run --no-prompt --allow-read --allow-write=runs,"$HOME"/.cache/graft ' +
      `"--allow-env=${ENV_VARS.join(",")}" "--allow-net=${NET_HOSTS.join(",")}" --allow-ffi ` +
      "pipelines/cifar10.ts --epochs 1",
  );
  assert.equal(lines.length, 3);
});

Deno.test("an --out that leaves runs/ through .. is not offered the task, which could not write it", async () => {
  const r = await deno([
    "run",
    "--no-prompt",
    "pipelines/cifar10.ts",
    "--out",
    "runs/../elsewhere",
  ]);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[1]!, /^ {2}deno run .*--allow-write=runs,[^ ]*runs\/\.\.\/elsewhere /);
});

Deno.test("a --backend cpu run works without FFI, net or sys", async () => {
  const home = await Deno.makeTempDir({ prefix: "graft-home-" });
  const cwd = await Deno.makeTempDir({ prefix: "graft-cwd-" });
  try {
    const data = await writeArchive(cifarMembers(4, 8));
    await Deno.writeTextFile(
      join(cwd, "tiny.yaml"),
      `name: tiny
model:
  base: custom
  inputShape: [32, 32, 3]
  layers:
    features:
      - avgPool2d: { poolSize: 4 }
      - conv2d: { filters: 4, kernelSize: 3, padding: 1 }
      - relu
    classifier:
      - flatten
      - dense: { units: 10 }
train:
  epochs: 1
  batchSize: 8
  optimizer: { type: adam, lr: 0.01 }
`,
    );
    const flags = taskFlags("cifar10:cpu", home).filter((f) => !f.startsWith("--allow-net"));
    assert.equal(flags.some((f) => /ffi|sys|net/.test(f)), false);
    const r = await deno(
      [
        "run",
        `--config=${join(ROOT, "deno.json")}`,
        "--no-lock",
        ...flags,
        join(ROOT, "pipelines/cifar10.ts"),
        ...["--config", "tiny.yaml", "--data", data, "--backend", "cpu", "--out", "runs/tiny"],
        ...["--validation", "0"],
      ],
      { cwd, env: { HOME: home } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Backend cpu \(cpu\)/m);
    assert.doesNotMatch(r.stderr, /Hi, looks like you are running TensorFlow\.js/);
    const evaluation = JSON.parse(await Deno.readTextFile(join(cwd, "runs/tiny/evaluation.json")));
    assert.equal(evaluation.count, 8);
  } finally {
    await Deno.remove(home, { recursive: true });
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the CLI runs from a remote URL, its built-in configs read without files", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = join(ROOT, decodeURIComponent(new URL(req.url).pathname));
    if (!path.startsWith(ROOT + "/")) return new Response("outside", { status: 403 });
    try {
      return new Response(await Deno.readFile(path));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const host = `127.0.0.1:${server.addr.port}`;
  const cwd = await Deno.makeTempDir({ prefix: "graft-remote-" });
  const lock = await Deno.readTextFile(join(ROOT, "deno.lock"));
  try {
    for (const config of [[], ["--config", "pipelines/cifar10_small.yaml"]]) {
      const r = await deno([
        "run",
        `--config=${join(ROOT, "deno.json")}`,
        "--no-lock",
        "--no-prompt",
        "--no-lock", // the served files' hashes, keyed by a random port, stay out of deno.lock
        `--allow-import=${host}`,
        "--allow-env",
        "--allow-read",
        `--allow-write=${cwd}`,
        `http://${host}/pipelines/cifar10.ts`,
        ...config,
        "--out",
        "runs/x",
        "--epochs",
        "0",
      ], { cwd, env: { HOME: cwd } });
      // The flags are applied to the parsed config: their error means the config was read.
      const errors = r.stderr.split("\n").filter((l) => l && !l.startsWith("Download "));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, /--epochs: expected an integer >= 1, got "0"$/);
      assert.equal(r.code, 2);
    }
    assert.equal(await Deno.readTextFile(join(ROOT, "deno.lock")), lock, "deno.lock changed");
  } finally {
    await server.shutdown();
    await Deno.remove(cwd, { recursive: true });
  }
});
