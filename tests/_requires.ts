/**
 * Optional system parts some tests need (the native libraries, a Vulkan adapter, PyTorch,
 * Chromium). A test that needs one is skipped when it is missing:
 *
 * ```ts ignore
 * Deno.test({ name: "native conv2d matches cpu", ignore: await missing("native"), fn });
 * await t.step({ name: "logits match PyTorch", ignore: await missing("torch"), fn });
 * ```
 *
 * Each missing part is printed once per run with the install line; `deno task test`
 * (`tools/test.ts`) ends with one line counting the skips by part. With `GRAFT_REQUIRE_ALL=1` (CI)
 * nothing is skipped: a missing part throws, failing the test module (or the step) that asked.
 *
 * The runs share one folder (`GRAFT_TEST_LOG`, made by `tools/test.ts`; each test module runs in
 * its own isolate) where each probe's answer and each skip is recorded.
 *
 * @module
 */
import { join } from "node:path";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The optional parts a test can need. */
export type Part = "native" | "webgpu" | "torch" | "chromium";

/**
 * The Python that has PyTorch: Debian's `/usr/bin/python3` with `python3-torch` (not a pyenv
 * `python3` on PATH); `GRAFT_PYTHON` overrides it (the tests may run only `/usr/bin/python3`).
 */
export const PYTHON: string = env("GRAFT_PYTHON") ?? "/usr/bin/python3";

/** Where Chromium is looked for (`CHROMIUM_PATH` first). */
const CHROMIUM_CANDIDATES: readonly string[] = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

/** What each part is, what it buys and how to install it. */
export const PARTS: Readonly<Record<Part, { readonly what: string; readonly install: string }>> =
  Object.freeze({
    native: {
      what: "oneDNN/OpenBLAS (the native backend)",
      install: "sudo apt-get install libdnnl2 libopenblas0-pthread " +
        "(macOS: brew install openblas; elsewhere point GRAFT_DNNL/GRAFT_BLAS at the libraries)",
    },
    webgpu: {
      what: "a Vulkan adapter (the webgpu backend)",
      install: "sudo apt-get install mesa-vulkan-drivers libvulkan1 (llvmpipe is enough)",
    },
    torch: {
      what: `PyTorch (comparisons with PyTorch through ${PYTHON})`,
      install: "sudo apt-get install python3-torch python3-torchvision",
    },
    chromium: {
      what: "Chromium (the HTML report in a browser)",
      install: "sudo apt-get install chromium (or set CHROMIUM_PATH)",
    },
  });

/** True under `GRAFT_REQUIRE_ALL=1`: a missing part fails instead of skipping. */
export const REQUIRE_ALL: boolean = env("GRAFT_REQUIRE_ALL") === "1";

const LOG_DIR = env("GRAFT_TEST_LOG");

/** Finds Chromium, or undefined. */
export function chromiumPath(): string | undefined {
  const own = env("CHROMIUM_PATH");
  for (const p of own ? [own] : CHROMIUM_CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Why `part` is missing, or null when it is present. */
async function probe(part: Part): Promise<string | null> {
  switch (part) {
    case "native": {
      const { registerNative } = await import("../backends/native/mod.ts");
      const r = await registerNative();
      return r.ok ? null : r.reason;
    }
    case "webgpu": {
      if (env("GRAFT_SKIP_WEBGPU") === "1") return "GRAFT_SKIP_WEBGPU=1 is set";
      const { registerWebGpu } = await import("../backends/webgpu/mod.ts");
      const r = await registerWebGpu();
      return r.ok ? null : r.reason;
    }
    case "torch": {
      try {
        const out = await new Deno.Command(PYTHON, {
          args: ["-c", "import torch, torchvision"],
          stdout: "null",
          stderr: "piped",
        }).output();
        if (out.success) return null;
        const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
        return `${PYTHON} cannot import torch and torchvision: ${lines.at(-1)}`;
      } catch (e) {
        return `cannot run ${PYTHON}: ${(e as Error).message}`;
      }
    }
    case "chromium":
      return chromiumPath() === undefined
        ? `no Chromium at ${env("CHROMIUM_PATH") ?? CHROMIUM_CANDIDATES.join(", ")}`
        : null;
  }
}

function readLog(file: string): string | undefined {
  try {
    return Deno.readTextFileSync(file);
  } catch {
    return undefined;
  }
}

/** True when this call created `file` (so this isolate is the first to report). */
function createOnce(file: string, text: string): boolean {
  try {
    Deno.writeTextFileSync(file, text, { createNew: true });
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    return true; // no shared folder: report from this module
  }
}

const answers = new Map<Part, Promise<string | null>>();
const told = new Set<Part>();
const recorded = new Set<Part>();

/** Why `part` is missing or null, probed once per run (shared through the log folder). */
function reason(part: Part): Promise<string | null> {
  let answer = answers.get(part);
  if (!answer) {
    answer = (async () => {
      const file = LOG_DIR ? join(LOG_DIR, `probe-${part}.json`) : undefined;
      const cached = file ? readLog(file) : undefined;
      if (cached !== undefined) return JSON.parse(cached) as string | null;
      const why = await probe(part);
      if (file) createOnce(file, JSON.stringify(why));
      return why;
    })();
    answers.set(part, answer);
  }
  return answer;
}

/** Records that this test module skips tests for `part` (tools/test.ts counts them). */
function record(part: Part): void {
  if (!LOG_DIR) return;
  Deno.writeTextFileSync(join(LOG_DIR, "modules.log"), `${part}\t${Deno.mainModule}\n`, {
    append: true,
  });
}

/**
 * Whether a test needing `part` must be skipped here: the value for `Deno.test({ ignore })` or
 * `t.step({ ignore })`. Under `GRAFT_REQUIRE_ALL=1` a missing part throws instead, naming the
 * part and its install line. Await it at module level (or inside a test for a step).
 */
export async function missing(...parts: Part[]): Promise<boolean> {
  for (const part of parts) {
    const why = await reason(part);
    if (why === null) continue;
    const { what, install } = PARTS[part];
    if (REQUIRE_ALL) {
      throw new Error(`${what} is missing (GRAFT_REQUIRE_ALL=1): ${why}. Install: ${install}`);
    }
    const first = LOG_DIR ? createOnce(join(LOG_DIR, `told-${part}`), "") : !told.has(part);
    told.add(part);
    if (first) console.error(`Skipping the tests that need ${what}: ${why}\n  Install: ${install}`);
    if (!recorded.has(part)) recorded.add(part), record(part);
    return true;
  }
  return false;
}

/**
 * One line counting the skipped tests by part, with the install lines: `ignored` gives the
 * number of ignored tests of each test module (by file URL), as the test run reported them; each
 * module's are counted under the first part it found missing (recorded in `dir`).
 */
export function skipSummary(dir: string, ignored: ReadonlyMap<string, number>): string {
  const counts = new Map<Part, number>();
  const seen = new Set<string>();
  for (const line of (readLog(join(dir, "modules.log")) ?? "").split("\n")) {
    const [part, module] = line.split("\t");
    if (!part || !module || !(part in PARTS) || seen.has(module)) continue;
    seen.add(module);
    const n = ignored.get(module) ?? 0;
    if (n > 0) counts.set(part as Part, (counts.get(part as Part) ?? 0) + n);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) {
    return REQUIRE_ALL
      ? "Skipped 0 tests (GRAFT_REQUIRE_ALL=1: a missing optional part fails instead)"
      : "Skipped 0 tests: every optional part the tests asked for is installed";
  }
  const parts = [...counts].map(([p, n]) =>
    `${n} need${n === 1 ? "s" : ""} ${PARTS[p].what}, install: ${PARTS[p].install}`
  );
  return `Skipped ${total} test${total === 1 ? "" : "s"}: ${parts.join("; ")}`;
}
