// Giving a file a second name without a second copy, in a way a kill cannot leave half done.

/**
 * Points `path` at the file `target` atomically: a hard link under a temporary name (a copy on
 * file systems without hard links), then a rename over whatever `path` was. A kill leaves the
 * old `path` or the new one, and at most a `*.tmp` beside it.
 */
export async function linkAtomic(target: string, path: string): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.link(target, tmp);
  } catch {
    await Deno.copyFile(target, tmp); // file systems without hard links
  }
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
