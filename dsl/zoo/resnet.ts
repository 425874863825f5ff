import { Spec } from "../spec.ts";
import { checkArchitecture, DEPTHS, resnetGraph } from "./_resnet_graph.ts";
import type {
  CifarResnetGroups,
  Resnet101Paths,
  Resnet152Paths,
  Resnet18Paths,
  Resnet34Paths,
  Resnet50Paths,
  ResnetArchitecture,
  ResnetDepth,
  ResnetGroups,
  ResnetOptions,
} from "./resnet_types.ts";

/**
 * A ResNet of any depth and width, with torchvision's module names, built like torchvision's
 * `ResNet(block, layers)`: the stem (`conv1`, `bn1`, `relu`, `maxpool`), four stages `layer1`
 * … `layer4` of residual blocks (`layer1.0.conv1`, …, `layer2.0.downsample.0`, the sum at
 * `layer1.0.add` and the ReLU after it at `layer1.0.relu`), `avgpool` and the head `fc`.
 * `resnet18()` … `resnet152()` are this with torchvision's settings and literal path types.
 *
 * @example A narrow CIFAR ResNet-10
 * ```ts
 * import { resnet } from "@graft/graft/dsl";
 * const spec = resnet({
 *   block: "basic",
 *   blocks: [1, 1, 1, 1],
 *   width: 16,
 *   inputShape: [32, 32, 3],
 *   classes: 10,
 *   cifarStem: true,
 * });
 * console.log(spec.summary().total); // 308826
 * ```
 */
export function resnet(architecture: ResnetArchitecture): Spec<string, ResnetGroups> {
  const name = architecture.name ?? "resnet";
  const { name: _, ...shown } = architecture;
  const call = `${name}(${JSON.stringify(shown)})`;
  checkArchitecture(call, architecture);
  return make(name, architecture, call);
}

function make(name: string, a: ResnetArchitecture, call: string): Spec<string, ResnetGroups> {
  const data = resnetGraph(name, a).spec({ output: "fc", head: "fc" }).toJSON();
  return new Spec({
    ...data,
    steps: [{ index: 1, call }],
    ...(a.weights !== undefined ? { weights: a.weights } : {}),
  });
}

function zoo(depth: ResnetDepth, options: ResnetOptions): Spec<string, ResnetGroups> {
  const [block, blocks] = DEPTHS[depth];
  const name = `resnet${depth}`;
  const architecture = { ...options, block, blocks };
  const call = Object.keys(options).length ? `${name}(${JSON.stringify(options)})` : `${name}()`;
  checkArchitecture(call, { ...architecture, name });
  return make(name, architecture, call);
}

/**
 * ResNet-18 with torchvision's module names (Basic blocks [2, 2, 2, 2]; 11,689,512 parameters, as
 * torchvision counts them). `{ cifarStem: true }` gives the CIFAR variant.
 *
 * @example
 * ```ts
 * import { resnet18 } from "@graft/graft/dsl";
 * console.log(resnet18().summary().total); // 11689512
 * ```
 */
export function resnet18(
  options?: ResnetOptions & { cifarStem?: false },
): Spec<Resnet18Paths, ResnetGroups>;
/** ResNet-18 with the CIFAR stem: no `maxpool`. */
export function resnet18(
  options: ResnetOptions & { cifarStem: true },
): Spec<Exclude<Resnet18Paths, "maxpool">, CifarResnetGroups>;
/** ResNet-18, with either stem. */
export function resnet18(options: ResnetOptions): Spec<Resnet18Paths, ResnetGroups>;
export function resnet18(options: ResnetOptions = {}): Spec<string, ResnetGroups> {
  return zoo(18, options);
}

/**
 * ResNet-34 with torchvision's module names (Basic blocks [3, 4, 6, 3]; 21,797,672 parameters, as
 * torchvision counts them). `{ cifarStem: true }` gives the CIFAR variant.
 *
 * @example
 * ```ts
 * import { resnet34 } from "@graft/graft/dsl";
 * console.log(resnet34().summary().total); // 21797672
 * ```
 */
export function resnet34(
  options?: ResnetOptions & { cifarStem?: false },
): Spec<Resnet34Paths, ResnetGroups>;
/** ResNet-34 with the CIFAR stem: no `maxpool`. */
export function resnet34(
  options: ResnetOptions & { cifarStem: true },
): Spec<Exclude<Resnet34Paths, "maxpool">, CifarResnetGroups>;
/** ResNet-34, with either stem. */
export function resnet34(options: ResnetOptions): Spec<Resnet34Paths, ResnetGroups>;
export function resnet34(options: ResnetOptions = {}): Spec<string, ResnetGroups> {
  return zoo(34, options);
}

/**
 * ResNet-50 with torchvision's module names (Bottleneck blocks [3, 4, 6, 3]; 25,557,032 parameters, as
 * torchvision counts them). `{ cifarStem: true }` gives the CIFAR variant.
 *
 * @example
 * ```ts
 * import { resnet50 } from "@graft/graft/dsl";
 * console.log(resnet50().summary().total); // 25557032
 * ```
 */
export function resnet50(
  options?: ResnetOptions & { cifarStem?: false },
): Spec<Resnet50Paths, ResnetGroups>;
/** ResNet-50 with the CIFAR stem: no `maxpool`. */
export function resnet50(
  options: ResnetOptions & { cifarStem: true },
): Spec<Exclude<Resnet50Paths, "maxpool">, CifarResnetGroups>;
/** ResNet-50, with either stem. */
export function resnet50(options: ResnetOptions): Spec<Resnet50Paths, ResnetGroups>;
export function resnet50(options: ResnetOptions = {}): Spec<string, ResnetGroups> {
  return zoo(50, options);
}

/**
 * ResNet-101 with torchvision's module names (Bottleneck blocks [3, 4, 23, 3]; 44,549,160 parameters, as
 * torchvision counts them). `{ cifarStem: true }` gives the CIFAR variant.
 *
 * @example
 * ```ts
 * import { resnet101 } from "@graft/graft/dsl";
 * console.log(resnet101().summary().total); // 44549160
 * ```
 */
export function resnet101(
  options?: ResnetOptions & { cifarStem?: false },
): Spec<Resnet101Paths, ResnetGroups>;
/** ResNet-101 with the CIFAR stem: no `maxpool`. */
export function resnet101(
  options: ResnetOptions & { cifarStem: true },
): Spec<Exclude<Resnet101Paths, "maxpool">, CifarResnetGroups>;
/** ResNet-101, with either stem. */
export function resnet101(options: ResnetOptions): Spec<Resnet101Paths, ResnetGroups>;
export function resnet101(options: ResnetOptions = {}): Spec<string, ResnetGroups> {
  return zoo(101, options);
}

/**
 * ResNet-152 with torchvision's module names (Bottleneck blocks [3, 8, 36, 3]; 60,192,808 parameters, as
 * torchvision counts them). `{ cifarStem: true }` gives the CIFAR variant.
 *
 * @example
 * ```ts
 * import { resnet152 } from "@graft/graft/dsl";
 * console.log(resnet152().summary().total); // 60192808
 * ```
 */
export function resnet152(
  options?: ResnetOptions & { cifarStem?: false },
): Spec<Resnet152Paths, ResnetGroups>;
/** ResNet-152 with the CIFAR stem: no `maxpool`. */
export function resnet152(
  options: ResnetOptions & { cifarStem: true },
): Spec<Exclude<Resnet152Paths, "maxpool">, CifarResnetGroups>;
/** ResNet-152, with either stem. */
export function resnet152(options: ResnetOptions): Spec<Resnet152Paths, ResnetGroups>;
export function resnet152(options: ResnetOptions = {}): Spec<string, ResnetGroups> {
  return zoo(152, options);
}
