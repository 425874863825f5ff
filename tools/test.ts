// `deno task test`: runs `deno test` with the arguments deno.json gives (permissions and
// `tests/`) plus the user's, then ends the run with one line counting the tests skipped because
// an optional system part is missing (see tests/_requires.ts). Exits with deno test's code.
//
// A path or file given by the user replaces the default `tests/`:
//   deno task test tests/dsl_edits_test.ts
//   deno task test --filter "native conv2d"
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { skipSummary } from "../tests/_requires.ts";

/** deno test options whose value is the next argument (so it is not taken for a path). */
const WITH_VALUE = new Set(["--filter", "--reporter", "--junit-path", "--shuffle", "--config"]);

const args = [...Deno.args];
const base = args.indexOf("tests/");
const positional = args.some((a, i) =>
  i > base && !a.startsWith("-") && !WITH_VALUE.has(args[i - 1] ?? "")
);
if (base >= 0 && positional) args.splice(base, 1);

// deno test's report, passed through as it comes: "running N tests from ./tests/x_test.ts"
// names the module whose "name ... ignored" lines follow.
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
const ignored = new Map<string, number>();
let module = "";
function scan(line: string): void {
  const plain = line.replace(ANSI, "");
  const running = /^running \d+ tests? from (.+)$/.exec(plain);
  if (running) module = pathToFileURL(resolve(running[1]!)).href;
  else if (/^\S.* \.\.\. ignored \(/.test(plain)) {
    ignored.set(module, (ignored.get(module) ?? 0) + 1);
  }
}

const log = await Deno.makeTempDir({ prefix: "graft-test-" });
let code = 1;
try {
  const child = new Deno.Command("deno", {
    args: ["test", ...args],
    env: { GRAFT_TEST_LOG: log },
    stdin: "inherit",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stop = () => child.kill("SIGINT");
  Deno.addSignalListener("SIGINT", stop);
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n");
    pending = lines.pop()!;
    lines.forEach(scan);
  }
  scan(pending);
  code = (await child.status).code;
  Deno.removeSignalListener("SIGINT", stop);
  console.log(skipSummary(log, ignored));
} finally {
  await Deno.remove(log, { recursive: true });
}
Deno.exit(code);
