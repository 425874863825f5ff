// The pipeline configs that ship with Graft, imported as text so that they are part of the
// module graph: the CLI reads them from the published package (`jsr:@graft/graft/cli`) as well as
// from a checkout, without file access.
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import cifar10 from "./cifar10.yaml" with { type: "text" };
import cifar10Small from "./cifar10_small.yaml" with { type: "text" };
import cifar10Resnet18 from "./cifar10_resnet18.yaml" with { type: "text" };

const DEFAULT_URL = new URL("./cifar10.yaml", import.meta.url);

/** The config used without `--config`, named as messages show it: its path, or its URL. */
export const DEFAULT_CONFIG: string = DEFAULT_URL.protocol === "file:"
  ? fileURLToPath(DEFAULT_URL)
  : DEFAULT_URL.href;

const BUILT_IN: Readonly<Record<string, string>> = Object.freeze({
  "cifar10.yaml": cifar10,
  "cifar10_small.yaml": cifar10Small,
  "cifar10_resnet18.yaml": cifar10Resnet18,
});

/**
 * The text of a config file; {@linkcode DEFAULT_CONFIG} and a missing file named as a built-in
 * config (`pipelines/cifar10_small.yaml` run outside a checkout) give the built-in text.
 */
export async function readConfigText(file: string): Promise<string> {
  if (file === DEFAULT_CONFIG) return cifar10;
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    const own = BUILT_IN[basename(file)];
    if (own !== undefined && e instanceof Deno.errors.NotFound) return own;
    throw e;
  }
}
