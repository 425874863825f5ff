// Files of a run folder are written whole or not at all: a temporary file beside the target,
// then a rename, so a reader (or a browser reloading report.html) never sees half a file.
import { basename, dirname, join } from "node:path";

/** Writes `data` to `path` atomically. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
