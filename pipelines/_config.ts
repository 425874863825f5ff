// Reads a pipeline YAML config: parse with npm:yaml, validate with zod, and report every problem
// with the key and its line; then build the spec its model section describes.
import { type Document, isMap, LineCounter, parseDocument } from "yaml";
import {
  block,
  isOp,
  type Layer,
  layer,
  resnet101,
  resnet152,
  resnet18,
  resnet34,
  resnet50,
  sequential,
  smallVgg,
  type Spec,
  vgg11,
  vgg13,
  vgg16,
  vgg19,
} from "../dsl/mod.ts";
import { GraftError } from "../errors/graft_error.ts";
import { problemOf } from "../errors/problem.ts";
import { configSchema, MODEL_BASES, type PipelineConfig } from "./_config_schema.ts";
import { issueDetail } from "../train/_schemas.ts";

/** One problem in a config: the dotted key, its line (1-based) when known, and what is wrong. */
export interface ConfigProblem {
  readonly key: string;
  readonly line?: number;
  readonly message: string;
}

/** Every problem found in a pipeline config or the command line. */
export class ConfigError extends GraftError {
  /** Every problem as found: key, line and message. */
  readonly configProblems: readonly ConfigProblem[];
  /**
   * `source` is the config file (or `from the command line`); `lead` replaces the default
   * lead-in `Invalid config <source>`.
   */
  constructor(source: string, problems: readonly ConfigProblem[], lead?: string) {
    const list = problems.map((p) =>
      `${p.key}${p.line !== undefined ? ` (line ${p.line})` : ""}: ${p.message}`
    );
    const head = lead ??
      (source === "from the command line" ? "Invalid arguments" : `Invalid config ${source}`);
    super(
      list.length === 1
        ? `${head}: ${list[0]}`
        : `${head} (${list.length} problems):\n${list.map((l) => `  - ${l}`).join("\n")}`,
      problems.map((p) =>
        problemOf(
          lead ?? `read config ${source}`,
          p.line !== undefined ? `${p.key} (line ${p.line})` : p.key,
          p.message,
        )
      ),
      2,
    );
    this.name = "ConfigError";
    this.configProblems = problems;
  }
}

/** Formats a path as `model.edits[1].drop`. */
export function keyOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || "(root)";
}

/** Finds lines of keys in a parsed YAML document. */
export class Locator {
  readonly #doc: Document;
  readonly #lines: LineCounter;
  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /** The line of the value at `path`, or of its nearest existing parent. */
  line(path: readonly PropertyKey[]): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.#doc.getIn(path.slice(0, n) as unknown[], true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node && typeof node === "object" && node.range) {
        return this.#lines.linePos(node.range[0]).line;
      }
    }
    return undefined;
  }

  /** The line of the key `key` in the map at `path`. */
  keyLine(path: readonly PropertyKey[], key: string): number | undefined {
    const map = path.length ? this.#doc.getIn(path as unknown[], true) : this.#doc.contents;
    if (isMap(map)) {
      for (const pair of map.items) {
        const k = pair.key as { value?: unknown; range?: [number, number, number] };
        if (k?.value === key && k.range) return this.#lines.linePos(k.range[0]).line;
      }
    }
    return this.line(path);
  }
}

/** Parses and validates config text; throws one ConfigError listing every problem. */
export function parseConfig(
  text: string,
  source: string,
): { config: PipelineConfig; locator: Locator } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({
        key: "(yaml)",
        line: lines.linePos(e.pos[0]).line,
        message: e.message.split("\n")[0]!,
      })),
    );
  }
  const locator = new Locator(doc, lines);
  const raw = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data, locator };
  const problems: ConfigProblem[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        const line = locator.keyLine(issue.path, k);
        problems.push({
          key: keyOf([...issue.path, k]),
          ...(line === undefined ? {} : { line }),
          message: "unknown key",
        });
      }
      continue;
    }
    const missing = (issue.code === "invalid_type" || issue.code === "invalid_value") &&
      issue.input === undefined;
    const key = keyOf(issue.path);
    const message = missing && key === "model"
      ? "missing: a config must name a model, e.g. model: { base: vgg16 }"
      : missing && key === "model.base"
      ? `missing: name the base model (${MODEL_BASES.join(", ")})`
      : issueDetail(issue);
    problems.push({ key, ...lineOf(locator, issue.path), message });
  }
  // The model section may be fine although another is not: report its edits' problems too.
  const model = configSchema.shape.model.safeParse((raw as { model?: unknown }).model);
  if (model.success) {
    const data = configSchema.shape.data.safeParse((raw as { data?: unknown }).data);
    try {
      specFrom(
        { model: model.data, data: { resize: data.success ? data.data.resize : null } },
        locator,
        source,
      );
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.configProblems);
    }
  }
  throw new ConfigError(source, problems);
}

function lineOf(locator: Locator, path: readonly PropertyKey[]): { line?: number } {
  const line = locator.line(path);
  return line === undefined ? {} : { line };
}

/** A layer from its YAML form (already checked by the config schema). */
export function layerFrom(v: unknown): Layer {
  const [op, options] = typeof v === "string"
    ? [v, {}]
    : Object.entries(v as Record<string, unknown>)[0]!;
  if (!isOp(op)) throw new Error(`Unknown layer ${op}`);
  return layer(op, options ?? {});
}

/** The image shape a config's model takes: `model.inputShape`, else 32×32 or `data.resize`. */
export function inputShapeOf(
  config: Pick<PipelineConfig, "model"> & { data: Pick<PipelineConfig["data"], "resize"> },
): [number, number, number] {
  const r = config.data.resize;
  const [h, w] = r === null ? [32, 32] : typeof r === "number" ? [r, r] : r;
  return config.model.inputShape ? [...config.model.inputShape] : [h, w, 3];
}

/** Builds the spec a config's model section describes; edit errors name the edit's key and line. */
export function specFrom(
  config: Pick<PipelineConfig, "model"> & { data: Pick<PipelineConfig["data"], "resize"> },
  locator: Locator | undefined,
  source: string,
): Spec {
  const m = config.model;
  const inputShape = inputShapeOf(config);
  const opts = {
    inputShape,
    ...(m.classes !== undefined ? { classes: m.classes } : {}),
  };
  let spec: Spec;
  const zoo = { vgg11, vgg13, vgg16, vgg19 } as const;
  const resnets = { resnet18, resnet34, resnet50, resnet101, resnet152 } as const;
  const isResnet = (base: string): base is keyof typeof resnets => base in resnets;
  const early: ConfigProblem[] = [];
  const r = config.data.resize;
  if (r !== null && m.inputShape) {
    const [h, w] = typeof r === "number" ? [r, r] : r;
    if (m.inputShape[0] !== h || m.inputShape[1] !== w) {
      early.push({
        key: "model.inputShape",
        ...lineOf(locator ?? NO_LINES, ["model", "inputShape"]),
        message: `is [${m.inputShape}] but data.resize makes the images ${h}×${w}: ` +
          `remove model.inputShape or make them agree`,
      });
    }
  }
  if (m.weights !== null && (m.base === "custom" || m.base === "small_vgg")) {
    early.push({
      key: "model.weights",
      ...lineOf(locator ?? NO_LINES, ["model", "weights"]),
      message: `base ${m.base} has no published weights: use a zoo base (vgg11..vgg19, ` +
        `resnet18..resnet152)`,
    });
  }
  const only = (key: "batchNorm" | "cifarStem" | "variant", bases: string) =>
    early.push({
      key: `model.${key}`,
      ...lineOf(locator ?? NO_LINES, ["model", key]),
      message: `is only read with ${bases}, and the base is ${m.base}`,
    });
  if (m.batchNorm && isResnet(m.base)) only("batchNorm", "vgg11..vgg19 (ResNets always have it)");
  if (m.cifarStem && !isResnet(m.base)) only("cifarStem", "resnet18..resnet152");
  if (m.variant !== "v1.5" && !isResnet(m.base)) only("variant", "resnet18..resnet152");
  if (m.base === "custom" && !m.layers) {
    early.push({
      key: "model.layers",
      ...lineOf(locator ?? NO_LINES, ["model"]),
      message: "base custom needs layers: a map of groups to lists of layers",
    });
  }
  if (m.base !== "custom" && m.layers) {
    early.push({
      key: "model.layers",
      ...lineOf(locator ?? NO_LINES, ["model", "layers"]),
      message: `is only read with base custom, and the base is ${m.base}`,
    });
  }
  if (early.length) throw new ConfigError(source, early);
  if (m.base === "custom") {
    spec = sequential(
      "custom",
      inputShape,
      Object.fromEntries(
        Object.entries(m.layers!).map(([g, ls]) => [g, ls.map(layerFrom)]),
      ),
    );
  } else if (m.base === "small_vgg") {
    spec = smallVgg({ inputShape, classes: m.classes ?? 10 });
  } else if (isResnet(m.base)) {
    try {
      spec = resnets[m.base]({
        ...opts,
        cifarStem: m.cifarStem,
        variant: m.variant,
        ...(m.weights !== null ? { weights: m.weights } : {}),
      });
    } catch (e) {
      throw new ConfigError(source, [{
        key: "model",
        ...lineOf(locator ?? NO_LINES, ["model"]),
        message: (e as Error).message.replace(/^Invalid spec edit: /, ""),
      }]);
    }
  } else {
    spec = zoo[m.base]({
      ...opts,
      batchNorm: m.batchNorm,
      ...(m.weights !== null ? { weights: m.weights } : {}),
    });
  }
  const problems: ConfigProblem[] = [];
  m.edits.forEach((edit, i) => {
    const [op, arg] = Object.entries(edit)[0]!;
    try {
      spec = applyEdit(spec, op, arg);
    } catch (e) {
      problems.push({
        key: `model.edits[${i}].${op}`,
        ...lineOf(locator ?? NO_LINES, ["model", "edits", i, op]),
        message: (e as Error).message.replace(/^Invalid spec edit: /, ""),
      });
    }
  });
  if (problems.length) throw new ConfigError(source, problems);
  try {
    spec.check();
  } catch (e) {
    throw new ConfigError(source, [{
      key: "model",
      ...lineOf(locator ?? NO_LINES, ["model"]),
      message: (e as Error).message,
    }]);
  }
  return spec;
}

const NO_LINES = { line: () => undefined } as unknown as Locator;

// deno-lint-ignore no-explicit-any
function applyEdit(spec: Spec, op: string, arg: any): Spec {
  switch (op) {
    case "replaceHead":
      return spec.replaceHead(arg);
    case "drop":
      return spec.drop(arg);
    case "freeze":
      return spec.freeze(arg);
    case "unfreeze":
      return spec.unfreeze(arg);
    case "insert": {
      const layers = (arg.layers as unknown[]).map(layerFrom);
      const at = arg.after !== undefined
        ? { after: arg.after }
        : arg.before !== undefined
        ? { before: arg.before }
        : {};
      if (arg.block) return spec.insert(block(arg.block, layers), at) as Spec;
      if (layers.length !== 1) throw new Error("insert without block takes exactly one layer");
      return spec.insert(layers[0]!, at) as Spec;
    }
    case "replace":
      return spec.replace(arg.path, layerFrom(arg.layer));
    default:
      throw new Error(`Unknown edit ${op}`);
  }
}
