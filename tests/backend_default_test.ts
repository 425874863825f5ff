import assert from "node:assert/strict";
import { registerNative } from "../backends/native/mod.ts";

const CHOSEN = /chosen by Graft as none was; useBackend\(/g;
const BANNER = /Hi, looks like you are running TensorFlow\.js in Node\.js/;

/** Runs tests/fixtures/backend_choice.ts in a fresh process: its result and everything printed. */
async function run(scenario: string) {
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-ffi",
      "tests/fixtures/backend_choice.ts",
      scenario,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `${scenario}: ${stderr}`);
  const lines = stdout.trim().split("\n");
  const result = JSON.parse(lines.at(-1)!) as { afterBuild: string; end: string };
  return { ...result, printed: stdout + stderr };
}

// What `auto` gives on this machine without a hardware GPU (the only kind CI has).
const fastest = (await registerNative()).ok ? "graft-native" : "cpu";

Deno.test("without a chosen backend, the first build selects the fastest and says so once", async () => {
  const [none, tensorFirst] = await Promise.all([run("none"), run("tensor first")]);
  for (const r of [none, tensorFirst]) {
    assert.equal(r.afterBuild, fastest);
    assert.equal(r.end, fastest);
    assert.equal(r.printed.match(CHOSEN)?.length, 1, r.printed);
    assert.match(r.printed, new RegExp(`^Backend ${fastest === "cpu" ? "cpu" : "native"} `, "m"));
  }
});

Deno.test("a backend chosen with tf.setBackend or useBackend is kept, without a word", async () => {
  const [tfChoice, graftChoice] = await Promise.all([run("tf.setBackend"), run("useBackend")]);
  for (const r of [tfChoice, graftChoice]) {
    assert.deepEqual([r.afterBuild, r.end], ["cpu", "cpu"]);
    assert.equal(r.printed.includes("chosen by Graft"), false, r.printed);
  }
});

Deno.test("TensorFlow.js's node-backend banner never prints from build, evaluate or train", async () => {
  // The cpu backend runs in the tf.setBackend scenario, the one that prints the banner.
  const results = await Promise.all(["none", "tf.setBackend", "tensor first"].map(run));
  for (const r of results) assert.doesNotMatch(r.printed, BANNER);
});
