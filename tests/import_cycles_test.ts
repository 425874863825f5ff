import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SKIP = new Set([".git", "node_modules", "runs", ".cache", "dist"]);
const IMPORT =
  /(?:^|[\s;}])(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|(?:^|[\s;])import\s*["'](\.{1,2}\/[^"']+)["']/gm;

async function sources(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory) await sources(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** The project's module graph: each file and the project files it imports (types included). */
async function graph(): Promise<Map<string, string[]>> {
  const g = new Map<string, string[]>();
  for (const file of await sources(ROOT)) {
    // Comments hold @example imports, which are not edges of the graph.
    const text = (await Deno.readTextFile(file)).replace(/\/\*[\s\S]*?\*\//g, "");
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) deps.push(resolve(dirname(file), (m[1] ?? m[2])!));
    g.set(file, deps);
  }
  return g;
}

/** Every cycle found by a depth-first search, each as the files along it. */
function cycles(g: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const d of g.get(f) ?? []) {
      if (!g.has(d)) continue;
      if (state.get(d) === "open") found.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of [...g.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

// Cycles known on main and being removed; a cycle that is gone must be deleted from this list.
const KNOWN: readonly string[] = [];

Deno.test("no project module imports itself through a cycle", async () => {
  const g = await graph();
  assert.ok(g.size > 50, `found only ${g.size} modules`);
  const found = cycles(g).map((c) => c.map((f) => relative(ROOT, f)).join(" -> "));
  assert.deepEqual(found.filter((c) => !KNOWN.includes(c)), [], "new import cycles");
  assert.deepEqual(KNOWN.filter((c) => !found.includes(c)), [], "gone: delete them from KNOWN");
});

Deno.test("the cycle finder reports a cycle it is given", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(cycles(g), [["a", "b", "c", "a"]]);
});
