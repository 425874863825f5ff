// Where the engine's Python lives and which interpreter runs it.
import { fileURLToPath } from "node:url";

/** The folder of the engine's Python files (model.py, train.py, ...). */
export const PYTHON_DIR: string = fileURLToPath(new URL("./python/", import.meta.url));

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
