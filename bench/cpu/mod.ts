/**
 * `deno task bench cpu`: trains each benchmark model in Graft (native backend, `train()`) and in
 * PyTorch on the same machine, alternating the two sides in several rounds so that the load of a
 * shared machine falls on both, and prints per model the median images/s of each side and the
 * median Graft/PyTorch ratio with its minimum and maximum. With `--write`, adds the run to
 * `bench/RESULTS.md` (CPU section), with date, machine and command.
 *
 * @example
 * ```ts
 * import { runCpuBench } from "./mod.ts";
 * await runCpuBench(["--only", "small_cnn", "--rounds", "1"]);
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { BENCH_MODELS, type BenchModel, benchSpec } from "./_models.ts";
import { describeTorch } from "../../engines/torch/describe.ts";
import { describeMachine } from "./_machine.ts";
import { GraftError, type Problem } from "../../errors/mod.ts";

/** One side's measurement, as printed by `graft_worker.ts` and `torch_bench.py`. */
export interface BenchRun {
  readonly side: "graft" | "pytorch" | "engine";
  readonly model: string;
  readonly images_per_s: number;
  readonly peak_rss_mb: number;
  readonly seconds: number;
  readonly steps: number;
  readonly [key: string]: unknown;
}

/** A model's rounds, summarised. */
export interface ModelSummary {
  readonly model: string;
  readonly batch: number;
  readonly graft: number;
  readonly pytorch: number;
  readonly ratio: number;
  readonly minRatio: number;
  readonly maxRatio: number;
  readonly rounds: number;
  readonly graftRss: number;
  readonly pytorchRss: number;
  /** Median images/s of Graft's PyTorch engine (its module from the spec), when measured. */
  readonly engine?: number;
}

/** Timed steps and warm-up steps per model: each run takes several seconds on 2 cores. */
const STEPS: Record<BenchModel, [steps: number, warmup: number]> = {
  cifar_vgg16: [10, 2],
  cifar_vgg16_bn: [8, 2],
  seed_recipe: [8, 2],
  small_cnn: [60, 5],
  cifar_resnet18: [6, 2],
};

const here = new URL(".", import.meta.url);

async function runJson(cmd: string, args: string[]): Promise<BenchRun> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  const lines = text.trim().split("\n").filter((l) => l.startsWith("{"));
  const peak = lines.map((l) => JSON.parse(l)).find((o) => "child_peak_rss_mb" in o);
  const line = lines.find((l) => !l.includes("child_peak_rss_mb"));
  if (!out.success || !line) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
    throw new Error(`Benchmark run failed: ${cmd} ${args.join(" ")}: ${err}`);
  }
  const run = JSON.parse(line) as BenchRun;
  return peak ? { ...run, peak_rss_mb: peak.child_peak_rss_mb } : run;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Summarises a model's rounds: median images/s per side, median ratio of the rounds' ratios
 * with their range, peak memory (largest seen).
 *
 * @example
 * ```ts ignore
 * const s = summarise([[graftRun, torchRun], [graftRun2, torchRun2]]);
 * ```
 */
export function summarise(pairs: readonly [BenchRun, BenchRun][]): ModelSummary {
  const ratios = pairs.map(([g, p]) => g.images_per_s / p.images_per_s);
  const [g0] = pairs[0]!;
  return {
    model: g0.model,
    batch: Number(g0["batch"]),
    graft: median(pairs.map(([g]) => g.images_per_s)),
    pytorch: median(pairs.map(([, p]) => p.images_per_s)),
    ratio: median(ratios),
    minRatio: Math.min(...ratios),
    maxRatio: Math.max(...ratios),
    rounds: pairs.length,
    graftRss: Math.max(...pairs.map(([g]) => g.peak_rss_mb)),
    pytorchRss: Math.max(...pairs.map(([, p]) => p.peak_rss_mb)),
  };
}

/** The one line per model: `MODEL: Graft X img/s, PyTorch Y img/s, ratio R, ...` (medians). */
export function summaryLine(s: ModelSummary): string {
  const rounds = `${s.rounds} round${s.rounds === 1 ? "" : "s"}`;
  return `${s.model}: Graft ${s.graft.toFixed(1)} img/s, PyTorch ${s.pytorch.toFixed(1)} img/s, ` +
    `ratio ${s.ratio.toFixed(2)}, min ${s.minRatio.toFixed(2)}, max ${s.maxRatio.toFixed(2)} ` +
    `over ${rounds}, peak RSS ${s.graftRss.toFixed(0)} / ${s.pytorchRss.toFixed(0)} MiB` +
    (s.engine !== undefined ? `; Graft's torch engine ${s.engine.toFixed(1)} img/s` : "");
}

function table(summaries: readonly ModelSummary[]): string {
  const rows = [
    "| model | batch | Graft img/s | PyTorch img/s | ratio | min | max | Graft peak RSS | PyTorch peak RSS | torch engine img/s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const s of summaries) {
    rows.push(
      `| ${s.model} | ${s.batch} | ${s.graft.toFixed(1)} | ${s.pytorch.toFixed(1)} | ` +
        `${s.ratio.toFixed(2)} | ${s.minRatio.toFixed(2)} | ${s.maxRatio.toFixed(2)} | ` +
        `${s.graftRss.toFixed(0)} MiB | ${s.pytorchRss.toFixed(0)} MiB | ` +
        `${s.engine !== undefined ? s.engine.toFixed(1) : "-"} |`,
    );
  }
  return rows.join("\n");
}

/** Adds a run right after `<!-- cpu:begin -->` (newest first), keeping every earlier run. */
function recordRun(path: URL, body: string): void {
  let text = "# Graft benchmarks\n";
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    // First write.
  }
  const marker = "<!-- cpu:begin -->";
  text = text.includes(marker)
    ? text.replace(marker, `${marker}\n\n${body}\n`)
    : `${text.trimEnd()}\n\n${marker}\n\n${body}\n\n<!-- cpu:end -->\n`;
  Deno.writeTextFileSync(path, text);
  // Keep the file as `deno fmt` wants it (aligned tables, wrapped lines), so the gate passes.
  new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", fileURLToPath(path)] }).outputSync();
}

/**
 * Runs the CPU benchmark. Options: `--rounds 3` (Graft and PyTorch alternate in each), `--batch
 * 64`, `--threads N` (PyTorch; default: the core count), `--only MODEL` (repeatable), `--steps N`
 * (overrides the per-model step count), `--backend native`, `--write` (record in
 * bench/RESULTS.md).
 *
 * @example
 * ```ts ignore
 * await runCpuBench(["--only", "small_cnn", "--steps", "5", "--rounds", "1"]);
 * ```
 */
export async function runCpuBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string", default: "3" },
      batch: { type: "string", default: "64" },
      threads: { type: "string", default: String(navigator.hardwareConcurrency) },
      only: { type: "string", multiple: true },
      steps: { type: "string" },
      backend: { type: "string", default: "native" },
      python: { type: "string", default: "/usr/bin/python3" },
      write: { type: "boolean", default: false },
      "skip-engine": { type: "boolean", default: false },
    },
  });
  const models = (values.only ?? BENCH_MODELS) as BenchModel[];
  const problems: Problem[] = models.filter((m) => !BENCH_MODELS.includes(m)).map((m) => ({
    step: "bench cpu",
    path: "--only",
    expected: `one of ${BENCH_MODELS.join(", ")}`,
    received: m,
  }));
  const rounds = Number(values.rounds);
  if (!(Number.isInteger(rounds) && rounds >= 1)) {
    problems.push({
      step: "bench cpu",
      path: "--rounds",
      expected: "an integer >= 1",
      received: String(values.rounds),
    });
  }
  if (problems.length) {
    const p = problems.map((q) => `${q.path}: expected ${q.expected}, received ${q.received}`);
    throw new GraftError(`Invalid bench cpu options: ${p.join("; ")}`, problems);
  }
  const batch = values.batch;
  const started = new Date();
  const machine = await describeMachine(values.python);
  console.log(`Machine: ${machine.line}`);
  const sides = {
    graft: (model: BenchModel, steps: string, warmup: string) =>
      runJson(values.python, [
        new URL("peak_rss.py", here).pathname,
        Deno.execPath(),
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-ffi",
        "--allow-sys",
        new URL("graft_worker.ts", here).pathname,
        model,
        batch,
        steps,
        warmup,
        values.backend,
      ]),
    pytorch: (model: BenchModel, steps: string, warmup: string) =>
      runJson(values.python, [
        new URL("torch_bench.py", here).pathname,
        model,
        batch,
        steps,
        warmup,
        values.threads,
      ]),
  };
  // Graft's PyTorch engine: the module it builds from the same spec (engines/torch).
  const engineRuns = new Map<BenchModel, number[]>(models.map((m) => [m, []]));
  const engine = async (model: BenchModel, steps: string, warmup: string) => {
    const file = await Deno.makeTempFile({ prefix: "graft-bench-module-", suffix: ".json" });
    try {
      await Deno.writeTextFile(file, JSON.stringify(describeTorch(benchSpec(model))));
      return await runJson(values.python, [
        new URL("torch_engine_bench.py", here).pathname,
        file,
        batch,
        steps,
        warmup,
        values.threads,
      ]);
    } finally {
      await Deno.remove(file);
    }
  };
  const runs = new Map<BenchModel, [BenchRun, BenchRun][]>(models.map((m) => [m, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const model of models) {
      const [defSteps, warmup] = STEPS[model];
      const steps = values.steps ?? String(defSteps);
      // Alternate which side goes first, so neither always runs right after the other.
      const first = round % 2 === 1 ? "graft" : "pytorch";
      const a = await sides[first](model, steps, String(warmup));
      const b = await sides[first === "graft" ? "pytorch" : "graft"](model, steps, String(warmup));
      const pair: [BenchRun, BenchRun] = first === "graft" ? [a, b] : [b, a];
      runs.get(model)!.push(pair);
      const e = values["skip-engine"] ? undefined : await engine(model, steps, String(warmup));
      if (e) engineRuns.get(model)!.push(e.images_per_s);
      console.log(
        `  round ${round}/${rounds} ${model}: Graft ${pair[0].images_per_s.toFixed(1)}, ` +
          `PyTorch ${pair[1].images_per_s.toFixed(1)} img/s, ratio ${
            (pair[0].images_per_s / pair[1].images_per_s).toFixed(2)
          }${e ? `; torch engine ${e.images_per_s.toFixed(1)}` : ""}`,
      );
    }
  }
  const summaries = models.map((m) => {
    const s = summarise(runs.get(m)!);
    const e = engineRuns.get(m)!;
    return e.length ? { ...s, engine: median(e) } : s;
  });
  console.log("");
  for (const s of summaries) console.log(summaryLine(s));
  const [g, p] = runs.get(models[0]!)![0]!;
  const detail =
    `Graft backend: ${g["backend"]}. PyTorch ${p["version"]}, ${p["threads"]} threads ` +
    `(its default here: ${p["default_threads"]}).`;
  const md = table(summaries);
  console.log(`\n${md}\n${detail}`);
  if (values.write) {
    const body = [
      `### Run of ${started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
      "",
      `- Machine: ${machine.line}`,
      `- Command: \`flock /tmp/graft-bench.lock deno task bench cpu ${args.join(" ")}\``,
      `- ${detail}`,
      `- ${rounds} rounds, Graft and PyTorch alternating; medians per model, ratio range over the ` +
      "rounds. Synthetic 32x32x3 batches; Graft runs `train()` (SGD lr 0.001 momentum 0.9 on " +
      "the trainable weights, cross-entropy), PyTorch the same step; images/s over the timed " +
      "steps after warm-up; peak RSS of each process.",
      "",
      md,
    ].join("\n");
    recordRun(new URL("../RESULTS.md", here), body);
    console.log("Wrote bench/RESULTS.md");
  }
}
