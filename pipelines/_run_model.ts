// Opens a finished (or stopped) run folder: its config, its spec and a model with the weights of
// one of its checkpoints, for the evaluate, predict and export commands.
import { join } from "node:path";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type BackendName, useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { fromJSON, type Spec } from "../dsl/mod.ts";
import { loadWeights } from "../weights/mod.ts";
import { parseConfig } from "./_config.ts";
import type { PipelineConfig } from "./_config_schema.ts";
import { CliError } from "./_cli_error.ts";

/** A run folder opened for inference. */
export interface OpenRun {
  readonly dir: string;
  readonly config: PipelineConfig;
  readonly spec: Spec;
  /** The checkpoint file whose weights the model holds. */
  readonly checkpoint: string;
  readonly model: tfl.LayersModel;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The checkpoint a command uses: `best`, `last`, or a file; by default best, else last. */
export async function chooseCheckpoint(dir: string, choice?: string): Promise<string> {
  const named = (n: string) => join(dir, "checkpoints", `${n}.safetensors`);
  if (choice === "best" || choice === "last") {
    if (await isFile(named(choice))) return named(choice);
    throw new CliError(`Cannot use --checkpoint ${choice}: ${named(choice)} does not exist`);
  }
  if (choice !== undefined) {
    if (await isFile(choice)) return choice;
    throw new CliError(`Cannot use --checkpoint: ${choice} is not a file`);
  }
  for (const n of ["best", "last"]) if (await isFile(named(n))) return named(n);
  throw new CliError(
    `Cannot open run ${dir}: no checkpoints/best.safetensors or checkpoints/last.safetensors`,
  );
}

/** Reads a run folder's config and spec, selects its backend and loads a checkpoint. */
export async function openRun(
  dir: string,
  options: { checkpoint?: string; backend?: string; quiet?: boolean } = {},
): Promise<OpenRun> {
  try {
    if (!(await Deno.stat(dir)).isDirectory) throw new Error();
  } catch {
    throw new CliError(`Cannot open run ${dir}: no such folder`);
  }
  const read = async (name: string) => {
    try {
      return await Deno.readTextFile(join(dir, name));
    } catch {
      throw new CliError(`Cannot open run ${dir}: ${join(dir, name)} cannot be read`);
    }
  };
  const configFile = join(dir, "config.yaml");
  const { config } = parseConfig(await read("config.yaml"), configFile);
  let spec: Spec;
  try {
    spec = fromJSON(await read("spec.json"));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`Cannot open run ${dir}: spec.json: ${(e as Error).message}`);
  }
  const checkpoint = await chooseCheckpoint(dir, options.checkpoint);
  const backend = (options.backend ?? config.backend) as BackendName;
  await useBackend(backend, { quiet: options.quiet ?? true });
  const model = build(spec, { seed: 0, freshWeights: true });
  await loadWeights(model, spec, checkpoint);
  return { dir, config, spec, checkpoint, model };
}
