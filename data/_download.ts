// Downloads an archive into the cache, verifying its md5 when one is expected.
import { createHash } from "node:crypto";
import { DataError } from "./errors.ts";
import { downloadProgress } from "./_download_progress.ts";

/** The message that tells a user how to give data when none can be fetched. */
export function howToPassData(url: string, keepAs: string): string {
  return "pass --data (CLI; data.path in a config) or the data option (library) with a folder " +
    "holding cifar-10-batches-bin or a cifar-10-binary.tar.gz, e.g. --data " +
    `../shared/cifar10/cifar-10-binary.tar.gz; or download ${url} yourself and save it as ${keepAs}`;
}

/**
 * Fetches `url` to `dest` (through `dest.part`, renamed when complete and verified); errors say
 * how to pass the data instead, or to save the file as `keepAs`.
 */
export async function download(
  url: string,
  dest: string,
  md5: string | undefined,
  fetchImpl: typeof fetch,
  keepAs: string = dest,
): Promise<void> {
  const HOW_TO_PASS_DATA = howToPassData(url, keepAs);
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (e) {
    throw new DataError(
      [{
        file: url,
        message: `cannot be downloaded (${(e as Error).message}): ${HOW_TO_PASS_DATA}`,
      }],
      "Cannot download CIFAR-10",
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new DataError(
      [{ file: url, message: `answered HTTP ${response.status}: ${HOW_TO_PASS_DATA}` }],
      "Cannot download CIFAR-10",
    );
  }
  const part = `${dest}.part`;
  const hash = createHash("md5");
  const file = await Deno.open(part, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  try {
    const total = Number(response.headers.get("content-length")) || undefined;
    const label = url.slice(url.lastIndexOf("/") + 1);
    for await (const chunk of response.body.pipeThrough(downloadProgress(label, total))) {
      hash.update(chunk);
      await writer.write(chunk);
    }
  } catch (e) {
    await writer.abort().catch(() => {});
    await Deno.remove(part).catch(() => {});
    throw new DataError(
      [{
        file: url,
        message: `stopped while downloading (${(e as Error).message}): ${HOW_TO_PASS_DATA}`,
      }],
      "Cannot download CIFAR-10",
    );
  }
  await writer.close();
  const got = hash.digest("hex");
  if (md5 !== undefined && got !== md5) {
    await Deno.remove(part).catch(() => {});
    throw new DataError(
      [{ file: url, message: `has md5 ${got}, expected ${md5}` }],
      "Cannot download CIFAR-10",
    );
  }
  await Deno.rename(part, dest);
}
