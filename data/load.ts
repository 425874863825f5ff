import { join } from "node:path";
import { createHash } from "node:crypto";
import {
  BATCH_DIR,
  CIFAR10_CLASSES,
  CIFAR10_MD5,
  CIFAR10_URL,
  RECORD_BYTES,
  TEST_FILE,
  TRAIN_FILES,
} from "./constants.ts";
import { DataError, type DataProblem } from "./errors.ts";
import { decodeBatches } from "./records.ts";
import { CifarSplit } from "./split.ts";
import { readArchive } from "./_archive.ts";
import { download } from "./_download.ts";

/**
 * Where to read CIFAR-10 from and how much of it.
 *
 * @example
 * ```ts
 * import type { LoadCifar10Options } from "@graft/graft/data";
 * const o: LoadCifar10Options = { data: "../shared/cifar10/cifar-10-binary.tar.gz", limitTrain: 2000 };
 * ```
 */
export interface LoadCifar10Options {
  /**
   * A folder (holding `cifar-10-batches-bin/` or its files), a local `.tar.gz`, or an `http(s)`
   * URL of one. Default: the official archive, downloaded once into `cacheDir` and verified by
   * md5. Archives and folders you give are not checksum-verified (copies differ).
   */
  readonly data?: string;
  /** Download and extraction cache. Default: `$GRAFT_CACHE`, else `$XDG_CACHE_HOME/graft`, else `~/.cache/graft`. */
  readonly cacheDir?: string;
  /** Read only the first n training images. */
  readonly limitTrain?: number;
  /** Read only the first n test images. */
  readonly limitTest?: number;
  /** The md5 to verify a download against (default: the official md5 for the official URL only). */
  readonly md5?: string;
  /** The fetch used for downloads (tests pass their own). */
  readonly fetch?: typeof fetch;
}

/**
 * CIFAR-10 loaded as bytes: the train and test splits, the class names and where it came from.
 *
 * @example
 * ```ts
 * import type { Cifar10 } from "@graft/graft/data";
 * const show = (d: Cifar10) => console.log(d.source, d.train.size, d.test.size);
 * ```
 */
export interface Cifar10 {
  /** The training images (after `limitTrain`). */
  readonly train: CifarSplit;
  /** The test images (after `limitTest`). */
  readonly test: CifarSplit;
  /** Class names in label order. */
  readonly classes: readonly string[];
  /** The folder or archive the data was read from. */
  readonly source: string;
}

/**
 * The default cache folder for downloads: `$GRAFT_CACHE`, else `$XDG_CACHE_HOME/graft`, else
 * `~/.cache/graft`.
 *
 * @example
 * ```ts
 * import { defaultCacheDir } from "@graft/graft/data";
 * console.log(defaultCacheDir());
 * ```
 */
export function defaultCacheDir(): string {
  const env = (k: string) => {
    try {
      return Deno.env.get(k);
    } catch {
      return undefined;
    }
  };
  const explicit = env("GRAFT_CACHE");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "graft");
  return join(env("HOME") ?? ".", ".cache", "graft");
}

async function stat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** The folder holding the .bin files: `dir` itself or `dir/cifar-10-batches-bin`. */
async function batchFolder(dir: string): Promise<string | undefined> {
  for (const candidate of [join(dir, BATCH_DIR), dir]) {
    if ((await stat(join(candidate, TRAIN_FILES[0]!)))?.isFile) return candidate;
    if ((await stat(join(candidate, TEST_FILE)))?.isFile) return candidate;
  }
  return undefined;
}

async function readFolder(dir: string, o: LoadCifar10Options): Promise<Cifar10> {
  const folder = await batchFolder(dir);
  if (!folder) {
    throw new DataError([{
      file: dir,
      message: `holds no ${BATCH_DIR}/ with ${TRAIN_FILES[0]} or ${TEST_FILE}`,
    }]);
  }
  // Reads files in order, stopping once `limit` records are in (a limit reads only what it needs).
  const read = async (names: readonly string[], limit?: number) => {
    const problems: DataProblem[] = [];
    const files: { file: string; bytes: Uint8Array }[] = [];
    let records = 0;
    for (const name of names) {
      if (limit !== undefined && records >= limit) break;
      try {
        const bytes = await Deno.readFile(join(folder, name));
        files.push({ file: join(folder, name), bytes });
        records += Math.ceil(bytes.length / RECORD_BYTES); // a partial record stops here too
      } catch (e) {
        problems.push({
          file: join(folder, name),
          message: `cannot be read (${(e as Error).message})`,
        });
      }
    }
    if (problems.length) throw new DataError(problems);
    return files;
  };
  const trainFiles = await read(TRAIN_FILES, o.limitTrain);
  const testFiles = await read([TEST_FILE]);
  return {
    train: new CifarSplit("train", decodeBatches(trainFiles)).limit(o.limitTrain),
    test: new CifarSplit("test", decodeBatches(testFiles)).limit(o.limitTest),
    classes: CIFAR10_CLASSES,
    source: folder,
  };
}

async function readTarGz(path: string, o: LoadCifar10Options): Promise<Cifar10> {
  const wanted = new Set([...TRAIN_FILES, TEST_FILE]);
  const bodies = await readArchive(path, (m) => wanted.has(m));
  const missing = [...wanted].filter((m) => !bodies.has(m));
  if (missing.length) {
    throw new DataError(missing.map((m) => ({ file: path, message: `has no ${BATCH_DIR}/${m}` })));
  }
  const label = (m: string) => `${path}: ${BATCH_DIR}/${m}`;
  const train = decodeBatches(TRAIN_FILES.map((m) => ({ file: label(m), bytes: bodies.get(m)! })));
  const test = decodeBatches([{ file: label(TEST_FILE), bytes: bodies.get(TEST_FILE)! }]);
  return {
    train: new CifarSplit("train", train).limit(o.limitTrain),
    test: new CifarSplit("test", test).limit(o.limitTest),
    classes: CIFAR10_CLASSES,
    source: path,
  };
}

/**
 * Extracts a CIFAR-10 binary `.tar.gz` into `target` (creating `target/cifar-10-batches-bin/`),
 * streaming it. Safe: members outside the target, links and anything but the known CIFAR-10
 * files are rejected (nothing is written then); files appear only once complete (written to a
 * temporary folder, then renamed). Returns the folder holding the `.bin` files.
 *
 * @example
 * ```ts ignore
 * import { extractCifar10 } from "@graft/graft/data";
 * const folder = await extractCifar10("cifar-10-binary.tar.gz", "/tmp/cifar");
 * ```
 */
export async function extractCifar10(archive: string, target: string): Promise<string> {
  const bodies = await readArchive(archive, () => true);
  await Deno.mkdir(target, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: target, prefix: ".extract-" });
  try {
    for (const [member, bytes] of bodies) await Deno.writeFile(join(tmp, member), bytes);
    const final = join(target, BATCH_DIR);
    await Deno.remove(final, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, final);
    return final;
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
}

function cacheKey(url: string): string {
  return url === CIFAR10_URL
    ? "cifar10"
    : `cifar10-${createHash("sha256").update(url).digest("hex").slice(0, 12)}`;
}

async function fromUrl(url: string, o: LoadCifar10Options): Promise<Cifar10> {
  const dir = join(o.cacheDir ?? defaultCacheDir(), cacheKey(url));
  const folder = await batchFolder(dir);
  if (folder && (await hasAll(folder))) return cached(folder, dir, () => readFolder(folder, o));
  await Deno.mkdir(dir, { recursive: true });
  const archive = join(dir, "cifar-10-binary.tar.gz");
  if ((await stat(archive))?.isFile) {
    // An archive saved here by hand (offline): the official one is checked by md5 first.
    if (url === CIFAR10_URL && (o.md5 ?? CIFAR10_MD5) !== await md5Of(archive)) {
      throw new DataError([{
        file: archive,
        message: `does not have the official md5 ${o.md5 ?? CIFAR10_MD5}: replace it with ` +
          `${url}, or pass the file you have with --data`,
      }]);
    }
    return cached(archive, dir, async () => readFolder(await extractCifar10(archive, dir), o));
  }
  // A download is checked in full (md5 when known, then every member and record) before it is
  // kept: a bad archive never reaches the cache.
  const fresh = join(dir, `.download-${crypto.randomUUID().slice(0, 8)}.tar.gz`);
  const md5 = o.md5 ?? (url === CIFAR10_URL ? CIFAR10_MD5 : undefined);
  await download(url, fresh, md5, o.fetch ?? fetch, archive);
  let data: Cifar10;
  try {
    data = await readFolder(await extractCifar10(fresh, dir), o);
  } catch (e) {
    await Deno.remove(fresh).catch(() => {});
    await Deno.remove(join(dir, BATCH_DIR), { recursive: true }).catch(() => {});
    if (!(e instanceof DataError)) throw e;
    throw new DataError(
      [{
        file: url,
        message: `is not a CIFAR-10 binary archive, so nothing was cached (${e.message})`,
      }],
      "Cannot download CIFAR-10",
    );
  }
  await Deno.rename(fresh, archive);
  return data;
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash("md5");
  const file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk); // closes the file at the end
  return hash.digest("hex");
}

/** Reads from the cache; a bad cached copy is named, with how to download it again. */
async function cached(file: string, dir: string, read: () => Promise<Cifar10>): Promise<Cifar10> {
  try {
    return await read();
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    throw new DataError(
      [{
        file,
        message: `is a bad cached copy (${e.message}): delete ${dir} to download it again`,
      }],
      "Cannot read CIFAR-10 data",
    );
  }
}

async function hasAll(folder: string): Promise<boolean> {
  for (const m of [...TRAIN_FILES, TEST_FILE]) {
    if (!(await stat(join(folder, m)))?.isFile) return false;
  }
  return true;
}

/**
 * Loads CIFAR-10 from a folder, a local `.tar.gz` (streamed, nothing written), or a URL; by
 * default downloads the official archive once into the cache and verifies its md5. Throws a
 * {@linkcode DataError} naming the file and byte offset for truncated files, partial records and
 * labels outside 0–9, and saying how to pass `data` when nothing can be found or fetched.
 *
 * @example
 * ```ts ignore
 * import { loadCifar10 } from "@graft/graft/data";
 * const data = await loadCifar10({ data: "../shared/cifar10/cifar-10-binary.tar.gz", limitTrain: 5000 });
 * console.log(data.train.size, data.test.size); // 5000 10000
 * ```
 */
export async function loadCifar10(options: LoadCifar10Options = {}): Promise<Cifar10> {
  const data = options.data ?? CIFAR10_URL;
  if (/^https?:\/\//.test(data)) return fromUrl(data, options);
  const info = await stat(data);
  if (!info) {
    throw new DataError([{
      file: data,
      message: "does not exist: give a folder, a .tar.gz or a URL",
    }]);
  }
  if (info.isDirectory) return readFolder(data, options);
  return readTarGz(data, options);
}
