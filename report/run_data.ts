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
  /** Images evaluated. */
  readonly count: number;
  /** Mean cross-entropy. */
  readonly loss: number;
  /** Top-1 accuracy. */
  readonly top1: number;
  /** Top-5 accuracy. */
  readonly top5: number;
  /** Top-1 accuracy of each class by name (null without images). */
  readonly perClass: Readonly<Record<string, number | null>>;
  /** Class names in label order. */
  readonly classes: readonly string[];
  /** `confusion[label][predicted]` counts. */
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
  /** Its true class. */
  readonly label: string;
  /** The class the model chose. */
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
  /** The run folder as given. */
  readonly dir: string;
  /** The run's name (its folder's name). */
  readonly name: string;
  /** Live, finished, failed or stopped. */
  readonly status: RunStatus;
  /** Why it failed or stopped, when known. */
  readonly reason: string | null;
  /** `config.yaml` as written. */
  readonly configText: string | null;
  /** `config.yaml` parsed. */
  readonly config: Record<string, unknown> | null;
  /** One entry per epoch (`metrics.jsonl`). */
  readonly epochs: readonly EpochEndEvent[];
  /** One entry per update (`steps.csv`). */
  readonly steps: readonly StepRecord[];
  /** The final test evaluation (`evaluation.json`). */
  readonly evaluation: EvaluationFile | null;
  /** The most confidently wrong test images (`mistakes.json`). */
  readonly mistakes: readonly MistakeImage[];
  /** The model's layer table (from `spec.json`). */
  readonly summary: Summary | null;
  /** Versions, backend, machine and times (`provenance.json`). */
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

/** Whether process `pid` is gone (known only where /proc lists processes). */
function processGone(pid: unknown): boolean {
  if (typeof pid !== "number") return false;
  try {
    Deno.statSync("/proc/self");
  } catch {
    return false;
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return false;
  } catch {
    return true;
  }
}

/** The status recorded in `run.json` (written by the pipeline), if any. */
function recordedStatus(run: Record<string, unknown> | null): RunStatus | null {
  const s = run?.status;
  if (s === "running" || s === "live") return processGone(run?.pid) ? "stopped" : "live";
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
