// The CLI's flags: parsed with node:util, then applied over a validated config; every bad value
// is reported at once, by flag name.
import { parseArgs } from "node:util";
import { BACKEND_NAMES } from "../backends/mod.ts";
import { ConfigError, type ConfigProblem } from "./_config.ts";
import { MODEL_BASES, type PipelineConfig } from "./_config_schema.ts";
import { ENGINE_FLAGS } from "../engines/torch/cli.ts";

/** Parses the command line (throws node's error on an unknown flag or a missing value). */
export function parseFlags(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      config: { type: "string" },
      data: { type: "string" },
      model: { type: "string" },
      epochs: { type: "string" },
      "batch-size": { type: "string" },
      lr: { type: "string" },
      backend: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      "limit-train": { type: "string" },
      "limit-test": { type: "string" },
      validation: { type: "string" },
      resize: { type: "string" },
      resume: { type: "string" },
      overwrite: { type: "boolean" },
      json: { type: "boolean" },
      debug: { type: "boolean" },
      ...ENGINE_FLAGS,
    },
  });
}

/** The parsed flags. */
export type Flags = ReturnType<typeof parseFlags>["values"];

/** The config key each value flag sets (resume names them when they differ). */
export const FLAG_KEYS: Readonly<Record<string, string>> = {
  "train.epochs": "--epochs",
  "train.batchSize": "--batch-size",
  "train.seed": "--seed",
  "train.optimizer.lr": "--lr",
  "data.limitTrain": "--limit-train",
  "data.limitTest": "--limit-test",
  "data.validation": "--validation",
  "data.resize": "--resize",
  "data.path": "--data",
  "model.base": "--model",
  backend: "--backend",
};

/** Applies flags over a validated config; bad flag values are reported by flag name, all at once. */
export function applyFlags(config: PipelineConfig, f: Flags): PipelineConfig {
  const problems: ConfigProblem[] = [];
  const int = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === "" || !Number.isInteger(n) || n < min) {
      problems.push({ key: `--${flag}`, message: `expected an integer >= ${min}, got "${v}"` });
      return undefined;
    }
    return n;
  };
  const c = structuredClone(config) as PipelineConfig & Record<string, never>;
  const epochs = int("epochs", f.epochs, 1);
  const batch = int("batch-size", f["batch-size"], 1);
  const seed = int("seed", f.seed, 0);
  const lt = int("limit-train", f["limit-train"], 1);
  const le = int("limit-test", f["limit-test"], 1);
  const val = int("validation", f.validation, 0);
  const resize = int("resize", f.resize, 1);
  if (epochs !== undefined) c.train.epochs = epochs;
  if (batch !== undefined) c.train.batchSize = batch;
  if (seed !== undefined) c.train.seed = seed;
  if (lt !== undefined) c.data.limitTrain = lt;
  if (le !== undefined) c.data.limitTest = le;
  if (val !== undefined) c.data.validation = val;
  if (resize !== undefined) c.data.resize = resize;
  if (f.lr !== undefined) {
    const lr = Number(f.lr);
    if (!(lr >= 0) || f.lr.trim() === "") {
      problems.push({ key: "--lr", message: `expected a number >= 0, got "${f.lr}"` });
    } else c.train.optimizer = { ...c.train.optimizer, lr };
  }
  if (f.data !== undefined) c.data.path = f.data;
  if (f.out !== undefined) c.out = f.out;
  if (f.backend !== undefined) {
    if (!(BACKEND_NAMES as readonly string[]).includes(f.backend)) {
      problems.push({
        key: "--backend",
        message: `expected one of ${BACKEND_NAMES.join(", ")}, got "${f.backend}"`,
      });
    } else c.backend = f.backend;
  }
  if (f.model !== undefined) {
    const zoo = MODEL_BASES.filter((m) => m !== "custom");
    if (!(zoo as readonly string[]).includes(f.model)) {
      problems.push({
        key: "--model",
        message: `expected one of ${zoo.join(", ")}, got "${f.model}"`,
      });
    } else if (config.model.base === "custom") {
      problems.push({
        key: "--model",
        message: `the config's base is custom (its own model.layers), which --model would ` +
          `silently replace: use a config with a zoo base, e.g. pipelines/cifar10.yaml`,
      });
    } else if (f.model !== config.model.base) {
      c.model.base = f.model as PipelineConfig["model"]["base"];
      // The run is named after the model it trains.
      c.name = config.name.includes(config.model.base)
        ? config.name.replaceAll(config.model.base, f.model)
        : `${config.name}_${f.model}`;
    }
  }
  if (problems.length) throw new ConfigError("from the command line", problems);
  return c;
}
