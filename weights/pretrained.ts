/**
 * Published pretrained weights for the VGG zoo: where they live, their checksums, and a cache
 * folder that downloads each once and verifies it.
 *
 * @module
 */

import { downloadProgress } from "../data/_download_progress.ts";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { defaultCacheDir } from "../data/load.ts";
import { WeightsError } from "./errors.ts";

/** A published weight file. */
export interface PretrainedFile {
  /** Zoo model: `vgg11`, `vgg13`, `vgg16`, `vgg19`, with `_bn` for BatchNorm variants. */
  readonly model: string;
  /** Where it comes from: torchvision's weights via timm (safetensors) or Keras Applications. */
  readonly origin: "torchvision" | "keras";
  /** File name in the cache folder. */
  readonly fileName: string;
  /** Download address. */
  readonly url: string;
  /** Published checksum, when there is one (`md5:...` for Keras Applications, `sha256:...`). */
  readonly checksum?: string;
  /** What the weights expect as input. */
  readonly preprocessing: string;
}

const KERAS = "https://storage.googleapis.com/tensorflow/keras-applications";
const TORCH_PRE = "RGB in [0, 1], normalised by ImageNet mean (0.485, 0.456, 0.406) and " +
  "std (0.229, 0.224, 0.225)";
const CAFFE_PRE = "BGR in [0, 255] minus the ImageNet mean (103.939, 116.779, 123.68) " +
  "(Keras 'caffe' preprocessing)";

function timm(model: string): PretrainedFile {
  return {
    model,
    origin: "torchvision",
    fileName: `${model}.tv_in1k.safetensors`,
    url: `https://huggingface.co/timm/${model}.tv_in1k/resolve/main/model.safetensors`,
    preprocessing: TORCH_PRE,
  };
}

/**
 * The published files Graft knows. torchvision's ImageNet weights come from the Hugging Face
 * hub as timm's `<model>.tv_in1k` safetensors (no published checksum: the SHA-256 is recorded
 * on first download and checked on every later use): VGG-11/13/16/19 with and without
 * BatchNorm, ResNet-18/34/50/101/152. Keras Applications' VGG16/VGG19 and ResNet50/101/152 (v1)
 * files carry the MD5 sums that Keras itself checks.
 *
 * @example
 * ```ts
 * import { PRETRAINED } from "@graft/graft/weights";
 * console.log(PRETRAINED.filter((f) => f.model === "vgg16").map((f) => f.fileName));
 * ```
 */
export const PRETRAINED: readonly PretrainedFile[] = Object.freeze([
  ...["vgg11", "vgg13", "vgg16", "vgg19"].flatMap((m) => [timm(m), timm(`${m}_bn`)]),
  ...["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"].map(timm),
  {
    model: "vgg16",
    origin: "keras",
    fileName: "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
    url: `${KERAS}/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5`,
    checksum: "md5:64373286793e3c8b2b4e3219cbf3544b",
    preprocessing: CAFFE_PRE,
  },
  {
    model: "vgg19",
    origin: "keras",
    fileName: "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
    url: `${KERAS}/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5`,
    checksum: "md5:cbe5617147190e668d6c5d5026f83318",
    preprocessing: CAFFE_PRE,
  },
  // Keras Applications' ResNets are v1 (stride on a block's first 1×1 convolution): load them
  // into resnet50({ variant: "v1" }) etc.
  ...([
    ["resnet50", "2cb95161c43110f7111970584f804107"],
    ["resnet101", "f1aeb4b969a6efcfb50fad2f0c20cfc5"],
    ["resnet152", "100835be76be38e30d865e96f2aaae62"],
  ] as const).map(([model, md5]): PretrainedFile => ({
    model,
    origin: "keras",
    fileName: `${model}_weights_tf_dim_ordering_tf_kernels.h5`,
    url: `${KERAS}/resnet/${model}_weights_tf_dim_ordering_tf_kernels.h5`,
    checksum: `md5:${md5}`,
    preprocessing: CAFFE_PRE,
  })),
]);

/** Options of {@linkcode resolveWeights}. */
export interface ResolveWeightsOptions {
  /** Cache folder. Default `$GRAFT_CACHE/weights`, else `$XDG_CACHE_HOME/graft/weights`, else `~/.cache/graft/weights`. */
  readonly cacheDir?: string;
  /**
   * Which published weights: torchvision's (default) or Keras Applications' (VGG16/19,
   * ResNet50/101/152).
   */
  readonly origin?: "torchvision" | "keras";
  /** Never download; use the cache only. Default false. */
  readonly offline?: boolean;
  /** The fetch to download with (for tests and proxies). Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Progress lines (download start and end). Default: `console.error`. */
  readonly log?: (line: string) => void;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function digest(path: string, algorithm: "md5" | "sha256"): Promise<string> {
  const hash = createHash(algorithm);
  using file = await Deno.open(path);
  const buf = new Uint8Array(1 << 20);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
  }
  return hash.digest("hex");
}

/** Verifies a file against its published checksum, or its SHA-256 recorded on first use. */
async function verify(path: string, file: PretrainedFile): Promise<void> {
  const sidecar = `${path}.sha256`;
  let expected = file.checksum;
  if (!expected && await exists(sidecar)) {
    expected = `sha256:${(await Deno.readTextFile(sidecar)).trim()}`;
  }
  if (!expected) {
    await Deno.writeTextFile(sidecar, `${await digest(path, "sha256")}\n`);
    return;
  }
  const [algorithm, hex] = expected.split(":") as ["md5" | "sha256", string];
  const actual = await digest(path, algorithm);
  if (actual !== hex) {
    throw new WeightsError("Pretrained weights failed verification", path, [
      `${algorithm} is ${actual}, expected ${hex}: delete the file and try again`,
    ]);
  }
}

function choose(model: string, origin: "torchvision" | "keras"): PretrainedFile {
  const file = PRETRAINED.find((f) => f.model === model && f.origin === origin);
  if (!file) {
    const known = PRETRAINED.filter((f) => f.model === model).map((f) => f.origin);
    throw new WeightsError("No pretrained weights", model, [
      known.length
        ? `no ${origin} weights are published for ${model} (available: ${known.join(", ")})`
        : `Graft knows no published weights for ${model} (known: ${
          [...new Set(PRETRAINED.map((f) => f.model))].join(", ")
        })`,
    ]);
  }
  return file;
}

/**
 * Resolves the `weights` option of a zoo model to a local file: `"imagenet"` picks the
 * published file for `model` (`vgg16`, `vgg16_bn`, ...), downloads it into the cache folder once
 * (to a temporary name, verified, then renamed), and checks it on every use; any other value is
 * a local path, which must exist. Offline with an empty cache, the error names the missing
 * file, the address to download it from, where to put it, and how to pass a local path.
 *
 * @example
 * ```ts ignore
 * import { build } from "@graft/graft/compile";
 * import { vgg16 } from "@graft/graft/dsl";
 * import { loadWeights, resolveWeights } from "@graft/graft/weights";
 * const spec = vgg16({ inputShape: [224, 224, 3] });
 * const model = build(spec);
 * await loadWeights(model, spec, await resolveWeights("vgg16", "imagenet"));
 * ```
 */
export async function resolveWeights(
  model: string,
  weights: string,
  options: ResolveWeightsOptions = {},
): Promise<string> {
  if (weights !== "imagenet") {
    if (!await exists(weights)) {
      let dir = false;
      try {
        dir = (await Deno.stat(weights)).isDirectory;
      } catch { /* missing */ }
      if (!dir) {
        throw new WeightsError("Cannot find weights", weights, [
          `no such file (weights: "imagenet" downloads the published ${model} weights)`,
        ]);
      }
    }
    return weights;
  }
  const file = choose(model, options.origin ?? "torchvision");
  const cacheDir = options.cacheDir ?? join(defaultCacheDir(), "weights");
  const path = `${cacheDir}/${file.fileName}`;
  if (await exists(path)) {
    await verify(path, file);
    return path;
  }
  const missing = (why: string): never => {
    throw new WeightsError("Cannot find pretrained weights", file.fileName, [
      `${why}: download ${file.url} and save it as ${path}` +
      `, or pass a local file instead: ${model.replace(/_bn$/, "")}({ weights: "path/to/file" })`,
    ]);
  };
  if (options.offline) missing(`not in the cache folder ${cacheDir} (offline)`);
  const log = options.log ?? ((l: string) => console.error(l));
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.mkdir(cacheDir, { recursive: true });
    log(`Downloading ${file.url}`);
    const response = await (options.fetch ?? fetch)(file.url);
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      missing(
        `not in the cache folder ${cacheDir}, and the download failed (HTTP ${response.status})`,
      );
    }
    const total = Number(response.headers.get("content-length")) || undefined;
    await Deno.writeFile(tmp, response.body!.pipeThrough(downloadProgress(file.fileName, total)));
    await verify(tmp, file);
    if (!file.checksum) await Deno.rename(`${tmp}.sha256`, `${path}.sha256`);
    await Deno.rename(tmp, path);
    log(`Saved ${path}`);
    return path;
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    await Deno.remove(`${tmp}.sha256`).catch(() => {});
    if (e instanceof WeightsError) throw e;
    return missing(
      `not in the cache folder ${cacheDir}, and the download failed (${(e as Error).message})`,
    );
  }
}
