// Runs `deno doc --lint` over every entry point in deno.json's exports, in one run.
// One class of finding is dropped: `private-type-ref` to a type declared in a dependency's .d.ts
// (TensorFlow.js's `LayersModel`, `Tensor`, ...). Graft's public API returns those types on
// purpose, and re-exporting TensorFlow.js's classes would only move the finding into their
// members. The same goes for zod's types (`output`, `ZodType`, ...): a config type inferred from
// a schema names them. Every other finding fails the run.
const config = JSON.parse(await Deno.readTextFile("deno.json"));
const entries = Object.values(config.exports as Record<string, string>);
const out = await new Deno.Command("deno", {
  args: ["doc", "--lint", ...entries],
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
const blocks = text.split(/\n(?=error\[)/).filter((b) => b.startsWith("error["));
// A referenced declaration that is exported where it is declared, in a line that no project
// file holds, is a dependency's (zod's `output`, `ZodType`, ...).
const project: string[] = [];
async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(path);
    else if (e.name.endsWith(".ts")) yield path;
  }
}
for await (const f of walk(".")) project.push(await Deno.readTextFile(f));
const dependencyType = (b: string) => {
  if (!b.startsWith("error[private-type-ref]")) return false;
  if (/\|\s*export declare /.test(b)) return true;
  const declaration = /\d+ \| (export [^\n]+)\n\s*\| - this is the referenced type/.exec(b)?.[1]
    ?.trim();
  return declaration !== undefined && !project.some((text) => text.includes(declaration));
};
const kept = blocks.filter((b) => !dependencyType(b));
for (const b of kept) console.error(b.trimEnd() + "\n");
console.error(
  `doc lint: ${entries.length} entry points, ${kept.length} findings` +
    ` (${blocks.length - kept.length} references to dependency types allowed)`,
);
if (kept.length > 0 || (!out.success && blocks.length === 0)) {
  if (blocks.length === 0) console.error(text);
  Deno.exit(1);
}
