// Where the engine's Python lives and which interpreter runs it.
import { fileURLToPath } from "node:url";
import { EngineError } from "./errors.ts";

/**
 * The folder of the engine's Python files (model.py, train.py, ...); undefined when Graft runs
 * from a URL rather than from files on disk.
 */
export const PYTHON_DIR: string | undefined = import.meta.url.startsWith("file:")
  ? fileURLToPath(new URL("./python/", import.meta.url))
  : undefined;

/** The engine's Python files, copied by `export --format torch`. */
export const PYTHON_FILES: readonly string[] = Object.freeze([
  "train.py",
  "model.py",
  "data.py",
  "rng.py",
  "safetensors_io.py",
  "forward.py",
]);

/** The interpreter: `$GRAFT_PYTHON`, else Debian's `/usr/bin/python3` (which has python3-torch). */
export function pythonPath(): string {
  const env = Deno.env.get("GRAFT_PYTHON");
  return env && env.length > 0 ? env : "/usr/bin/python3";
}

/** The engine's Python folder, after checking that the engine can start from this process. */
export function engineReady(): string {
  const python = pythonPath();
  if (PYTHON_DIR === undefined) {
    throw new EngineError("Cannot start the torch engine", [
      `Graft runs from ${import.meta.url}: the engine runs Graft's Python files, which need a ` +
      "copy of Graft on disk",
    ]);
  }
  if (Deno.permissions.querySync({ name: "run", command: python }).state !== "granted") {
    throw new EngineError("Cannot start the torch engine", [
      `no permission to run ${python}: use deno task cifar10:torch (the cifar10 task's ` +
      `permissions plus --allow-run=${python})`,
    ]);
  }
  return PYTHON_DIR;
}
