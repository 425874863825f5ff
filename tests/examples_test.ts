// The examples follow the product's rule for output folders: a new folder by default, an
// existing non-empty one refused unless asked.
import assert from "node:assert/strict";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";

const EXAMPLE = new URL("../examples/transfer_learning.ts", import.meta.url).pathname;

async function transfer(cwd: string, args: string[]) {
  const r = await new Deno.Command("deno", {
    args: ["run", "--no-lock", "-A", EXAMPLE, "--backend", "cpu", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: r.code, out: text.decode(r.stdout), err: text.decode(r.stderr) };
}

Deno.test("transfer_learning writes into a new folder it names, and refuses to overwrite one unasked", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "graft-example-" });
  const data = await writeArchive(cifarMembers(8, 10));
  const small = ["--data", data, "--train", "8", "--epochs", "1", "--finetune", "1"];
  const first = await transfer(cwd, small);
  assert.equal(first.code, 0, first.err);
  const dir = first.out.match(/^Writing into (runs\/transfer_learning-\d{8}-\d{6})$/m)?.[1];
  assert.ok(dir, first.out);
  const file = `${cwd}/${dir}/pretrained.safetensors`;
  const before = await Deno.readFile(file);

  const again = await transfer(cwd, [...small, "--out", dir]);
  assert.equal(again.code, 2);
  assert.equal(
    again.err,
    `Not writing into ${dir}: it holds 1 file(s) of an earlier run (give --overwrite to ` +
      "replace them, or another --out)\n",
  );
  assert.deepEqual(await Deno.readFile(file), before);
  assert.deepEqual([...Deno.readDirSync(`${cwd}/runs`)].length, 1);

  // --overwrite passes the check (here the run then stops at its missing data).
  const asked = await transfer(cwd, ["--data", `${cwd}/none.tar.gz`, "--out", dir, "--overwrite"]);
  assert.match(asked.out, new RegExp(`^Writing into ${dir}$`, "m"));
  assert.notEqual(asked.code, 0);
});
