/**
 * `deno task bench cpu`: trains each benchmark model in Graft (native backend) and in PyTorch
 * on the same machine, pair by pair, and prints images/s, the Graft/PyTorch ratio and peak
 * memory. With `--write`, records the table in `bench/RESULTS.md` (CPU section).
 *
 * @example
 * ```ts
 * import { runCpuBench } from "./mod.ts";
 * await runCpuBench(["--only", "small_cnn"]);
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { BENCH_MODELS, type BenchModel } from "./_models.ts";

/** One side's measurement, as printed by `graft_worker.ts` and `torch_bench.py`. */
export interface BenchRun {
  readonly side: "graft" | "pytorch";
  readonly model: string;
  readonly images_per_s: number;
  readonly peak_rss_mb: number;
  readonly seconds: number;
  readonly steps: number;
  readonly [key: string]: unknown;
}

const STEPS: Record<BenchModel, [steps: number, warmup: number]> = {
  cifar_vgg16: [8, 2],
  cifar_vgg16_bn: [8, 2],
  seed_recipe: [6, 2],
  small_cnn: [30, 3],
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

async function machine(python: string): Promise<string> {
  // Deno reads /proc only with --allow-all; ask Python, which the benchmark needs anyway.
  const script = "import re,os;c=open('/proc/cpuinfo').read();m=open('/proc/meminfo').read();" +
    "print(re.search(r'model name\\s*:\\s*(.*)',c).group(1)+', '+str(os.cpu_count())+' cores, '+" +
    "str(round(int(re.search(r'MemTotal:\\s+(\\d+)',m).group(1))/2**20))+' GiB RAM')";
  try {
    const out = await new Deno.Command(python, { args: ["-c", script], stdout: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (out.success && text) return `${text}, ${Deno.build.os}/${Deno.build.arch}`;
  } catch {
    // Fall through.
  }
  return `${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}`;
}

function table(pairs: [BenchRun, BenchRun][]): string {
  const rows = [
    "| model | batch | Graft img/s | PyTorch img/s | ratio | Graft peak RSS | PyTorch peak RSS |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [g, p] of pairs) {
    rows.push(
      `| ${g.model} | ${g["batch"]} | ${g.images_per_s.toFixed(1)} | ${
        p.images_per_s.toFixed(1)
      } | ` +
        `${(g.images_per_s / p.images_per_s).toFixed(2)} | ${g.peak_rss_mb.toFixed(0)} MiB | ` +
        `${p.peak_rss_mb.toFixed(0)} MiB |`,
    );
  }
  return rows.join("\n");
}

/** Replaces (or appends) the text between `<!-- cpu:begin -->` and `<!-- cpu:end -->`. */
function writeSection(path: URL, body: string): void {
  let text = "# Graft benchmarks\n";
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    // First write.
  }
  const block = `<!-- cpu:begin -->\n${body}\n<!-- cpu:end -->`;
  const re = /<!-- cpu:begin -->[\s\S]*<!-- cpu:end -->/;
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  Deno.writeTextFileSync(path, text);
  // Keep the file as `deno fmt` wants it (aligned tables, wrapped lines), so the gate passes.
  new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", fileURLToPath(path)] }).outputSync();
}

/**
 * Runs the CPU benchmark. Options: `--batch 64`, `--threads 2` (PyTorch), `--only MODEL`
 * (repeatable), `--steps N` (overrides the per-model step count), `--backend native`,
 * `--write` (record in bench/RESULTS.md).
 *
 * @example
 * ```ts
 * await runCpuBench(["--only", "small_cnn", "--steps", "5"]);
 * ```
 */
export async function runCpuBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      batch: { type: "string", default: "64" },
      threads: { type: "string", default: String(navigator.hardwareConcurrency) },
      only: { type: "string", multiple: true },
      steps: { type: "string" },
      backend: { type: "string", default: "native" },
      python: { type: "string", default: "/usr/bin/python3" },
      write: { type: "boolean", default: false },
    },
  });
  const models = (values.only ?? BENCH_MODELS) as BenchModel[];
  const batch = values.batch;
  const pairs: [BenchRun, BenchRun][] = [];
  const started = new Date();
  const host = await machine(values.python);
  console.log(`Machine: ${host}`);
  for (const model of models) {
    if (!BENCH_MODELS.includes(model)) throw new Error(`Unknown benchmark model: ${model}`);
    const [defSteps, warmup] = STEPS[model];
    const steps = values.steps ?? String(defSteps);
    const graft = await runJson(values.python, [
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
      String(warmup),
      values.backend,
    ]);
    const torch = await runJson(values.python, [
      new URL("torch_bench.py", here).pathname,
      model,
      batch,
      steps,
      String(warmup),
      values.threads,
    ]);
    pairs.push([graft, torch]);
    console.log(
      `${model}: Graft ${graft.images_per_s.toFixed(1)} img/s, PyTorch ${
        torch.images_per_s.toFixed(1)
      } img/s, ratio ${(graft.images_per_s / torch.images_per_s).toFixed(2)}, peak RSS ${
        graft.peak_rss_mb.toFixed(0)
      } / ${torch.peak_rss_mb.toFixed(0)} MiB`,
    );
  }
  const first = pairs[0];
  const detail = first
    ? `Graft backend: ${first[0]["backend"]}. PyTorch ${first[1]["version"]}, ` +
      `${first[1]["threads"]} threads (its default here: ${first[1]["default_threads"]}).`
    : "";
  const md = table(pairs);
  console.log(`\n${md}\n${detail}`);
  if (values.write) {
    const body = [
      "## CPU training throughput (issue 4)",
      "",
      `- Date: ${started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
      `- Machine: ${host}`,
      `- Command: \`flock /tmp/graft-bench.lock deno task bench cpu ${args.join(" ")}\``,
      `- ${detail}`,
      "- Synthetic 32x32x3 batches, SGD lr 0.001 momentum 0.9 on trainable weights, softmax " +
      "cross-entropy; images/s over the timed steps after warm-up; peak RSS of each process.",
      "",
      md,
    ].join("\n");
    writeSection(new URL("../RESULTS.md", here), body);
    console.log("Wrote bench/RESULTS.md");
  }
}
