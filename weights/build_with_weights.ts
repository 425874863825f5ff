import type * as tfl from "@tensorflow/tfjs-layers";
import { build, type BuildOptions } from "../compile/build.ts";
import { ensureBackend } from "../backends/mod.ts";
import type { Spec } from "../dsl/spec.ts";
import { type LoadReport, loadWeights, type LoadWeightsOptions } from "./load_weights.ts";
import { resolveWeights, type ResolveWeightsOptions } from "./pretrained.ts";

/** Options of {@linkcode buildWithWeights}: those of `build()`, the resolver and the loader. */
export interface BuildWithWeightsOptions
  extends BuildOptions, ResolveWeightsOptions, LoadWeightsOptions {}

/** The model and what was loaded into it. */
export interface BuiltWithWeights {
  /** The compiled model. */
  readonly model: tfl.LayersModel;
  /** What was loaded, path by path; undefined when the spec names no weights. */
  readonly report: LoadReport | undefined;
}

/**
 * Builds a spec and loads the pretrained weights it names (`vgg16({ weights: "imagenet" })`
 * or a path): the published file is fetched into the cache once and checked, then mapped by
 * path, so replaced and inserted layers keep their fresh initialisation (listed in `report`).
 * A spec without weights is simply built.
 *
 * @example The seed recipe from torchvision's pretrained VGG16
 * ```ts ignore
 * import { vgg16 } from "@graft/graft/dsl";
 * import { buildWithWeights } from "@graft/graft/weights";
 * const spec = vgg16({ weights: "imagenet", inputShape: [32, 32, 3] })
 *   .replaceHead(10).drop(2).freeze("features");
 * const { model, report } = await buildWithWeights(spec, { seed: 0 });
 * console.log(report?.replaced); // ["classifier.6"]
 * ```
 */
export async function buildWithWeights(
  spec: Spec,
  options: BuildWithWeightsOptions = {},
): Promise<BuiltWithWeights> {
  await ensureBackend();
  const model = build(spec, { ...options, freshWeights: true });
  if (spec.weights === undefined) return { model, report: undefined };
  try {
    const file = await resolveWeights(spec.name, spec.weights, options);
    return { model, report: await loadWeights(model, spec, file, options) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
