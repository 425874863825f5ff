import { basename, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { fromJSON, type Summary } from "../dsl/mod.ts";
import type { EpochEndEvent } from "../train/mod.ts";
import { parseStepsCsv, readMetrics, type StepRecord } from "./steps.ts";

/**
 * Where a run stands: `live` while it trains (the report reloads itself), `finished`, `failed`,
 * or `stopped` (it ended without finishing or failing, e.g. killed).
 *
 * @example
 * ```ts
 * import type { RunStatus } from "@graft/graft/report";
 * const s: RunStatus = "live";
 * ```
 */
export type RunStatus = "live" | "finished" | "failed" | "stopped";

/**
 * A run's final (or `evaluate` command's) evaluation as stored in `evaluation.json`.
 *
 * @example
 * ```ts
 * import type { EvaluationFile } from "@graft/graft/report";
 * const show = (e: EvaluationFile) => console.log(e.top1, e.classes[0]);
 * ```
 */
export interface EvaluationFile {
  readonly count: number;
  readonly loss: number;
  readonly top1: number;
  readonly top5: number;
  readonly perClass: Readonly<Record<string, number | null>>;
  readonly classes: readonly string[];
  readonly confusion: readonly (readonly number[])[];
}

/**
 * One of the test images the model got most wrong, as kept in `mistakes.json`.
 *
 * @example
 * ```ts
 * import type { MistakeImage } from "@graft/graft/report";
 * const m: MistakeImage = { index: 3, label: "cat", predicted: "dog", confidence: 0.97,
 *   image: "data:image/png;base64,..." };
 * ```
 */
export interface MistakeImage {
  /** Index of the image in the evaluated split. */
  readonly index: number;
  readonly label: string;
  readonly predicted: string;
  /** Probability the model gave its (wrong) answer. */
  readonly confidence: number;
  /** The image as a PNG data URL. */
  readonly image: string;
}

/**
 * Everything a report shows about one run, read from its folder.
 *
 * @example
 * ```ts ignore
 * import { readRun } from "@graft/graft/report";
 * const run = await readRun("runs/demo");
 * console.log(run.name, run.status, run.epochs.length);
 * ```
 */
export interface RunData {
  readonly dir: string;
  readonly name: string;
  readonly status: RunStatus;
  /** Why it failed or stopped, when known. */
  readonly reason: string | null;
  readonly configText: string | null;
  readonly config: Record<string, unknown> | null;
  readonly epochs: readonly EpochEndEvent[];
  readonly steps: readonly StepRecord[];
  readonly evaluation: EvaluationFile | null;
  readonly mistakes: readonly MistakeImage[];
  readonly summary: Summary | null;
  readonly provenance: Record<string, unknown> | null;
}

async function text(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function json<T>(source: string | null): T | null {
  if (source === null) return null;
  try {
    return JSON.parse(source) as T;
  } catch {
    return null;
  }
}

/** The status recorded in `run.json` (written by the pipeline), if any. */
function recordedStatus(run: Record<string, unknown> | null): RunStatus | null {
  const s = run?.status;
  if (s === "running" || s === "live") return "live";
  if (s === "finished" || s === "completed" || s === "done") return "finished";
  if (s === "failed") return "failed";
  if (s === "stopped" || s === "interrupted" || s === "killed") return "stopped";
  return null;
}

/**
 * Reads a run folder (`metrics.jsonl`, `steps.csv`, `config.yaml`, `spec.json`,
 * `evaluation.json`, `mistakes.json`, `provenance.json`, `run.json`). `status` overrides what
 * the folder says (the training process knows it is live). Throws `Deno.errors.NotFound` when
 * the folder does not exist.
 *
 * @example
 * ```ts ignore
 * import { readRun } from "@graft/graft/report";
 * const run = await readRun("runs/demo");
 * console.log(run.status);
 * ```
 */
export async function readRun(
  dir: string,
  status?: RunStatus,
  reason?: string,
): Promise<RunData> {
  await Deno.stat(dir);
  const configText = await text(join(dir, "config.yaml"));
  let config: Record<string, unknown> | null = null;
  try {
    config = configText === null ? null : parseYaml(configText) as Record<string, unknown>;
  } catch { /* shown as text only */ }
  const specJson = json<unknown>(await text(join(dir, "spec.json")));
  let summary: Summary | null = null;
  try {
    summary = specJson === null ? null : fromJSON(specJson).summary();
  } catch { /* a spec from another version: no table */ }
  const evaluation = json<EvaluationFile>(await text(join(dir, "evaluation.json")));
  const runJson = json<Record<string, unknown>>(await text(join(dir, "run.json")));
  const resolved = status ?? recordedStatus(runJson) ?? (evaluation ? "finished" : "stopped");
  const recordedReason = typeof runJson?.error === "string"
    ? runJson.error
    : typeof runJson?.reason === "string"
    ? runJson.reason
    : null;
  const name = typeof config?.name === "string" ? config.name : basename(resolve(dir));
  return {
    dir,
    name: basename(resolve(dir)) || name,
    status: resolved,
    reason: reason ?? recordedReason,
    configText,
    config,
    epochs: await readMetrics(dir),
    steps: parseStepsCsv((await text(join(dir, "steps.csv"))) ?? ""),
    evaluation,
    mistakes: json<MistakeImage[]>(await text(join(dir, "mistakes.json"))) ?? [],
    summary,
    provenance: json<Record<string, unknown>>(await text(join(dir, "provenance.json"))),
  };
}
