import assert from "node:assert/strict";

Deno.test("without --allow-ffi the native backend says the permission is missing", async () => {
  const code = `import { openNativeLibrary } from "${
    new URL("../backends/native/_library.ts", import.meta.url).href
  }";\nconst r = openNativeLibrary({});\nconsole.log(r.ok ? "ok" : r.reason);`;
  const file = `${await Deno.makeTempDir({ prefix: "graft-ffi-" })}/probe.ts`;
  await Deno.writeTextFile(file, code);
  const out = await new Deno.Command("deno", {
    args: ["run", "--no-check", "--allow-read", "--allow-env", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(
    text,
    "Native libraries need FFI permission: run with --allow-ffi (or use --backend cpu)",
    new TextDecoder().decode(out.stderr),
  );
});
