/**
 * Benchmark entry point: `deno task bench <suite> [options]`. Suites: `cpu` (native CPU
 * backend against PyTorch, bench/cpu/), `profile` (one training step of a CPU benchmark model,
 * phase by phase and kernel by kernel), `gemm` (oneDNN against OpenBLAS on the models' matrix
 * products), `resize` (what data.resize costs the seed recipe, bench/resize.ts),
 * `resize-gain` (what it gains in test accuracy, bench/resize_gain.ts), `dsl`
 * (bench/dsl.ts), `accuracy` (time to accuracy on CIFAR-10, Graft against
 * PyTorch, bench/accuracy/), `gpu` (`train()` and `evaluate()` on WebGPU on CIFAR-10 records,
 * bench/gpu/train.ts; the prepared device run is bench/gpu/).
 *
 * @module
 */
import { GraftError } from "../errors/mod.ts";

const suites: Record<string, () => Promise<(args: string[]) => Promise<void>>> = {
  cpu: async () => (await import("./cpu/mod.ts")).runCpuBench,
  profile: async () => (await import("./cpu/profile.ts")).runProfile,
  gemm: async () => (await import("./cpu/gemm.ts")).runGemmBench,
  dsl: async () => {
    const { benchDsl } = await import("./dsl.ts");
    return async () => console.log(await benchDsl());
  },
  gpu: async () => (await import("./gpu/train.ts")).runGpuBench,
  resize: async () => {
    const { benchResize } = await import("./resize.ts");
    return async (args) =>
      console.log(await benchResize(args.length ? args.map(Number) : [32, 64, 128, 224]));
  },
  "resize-gain": async () => (await import("./resize_gain.ts")).runResizeGain,
  accuracy: async () => {
    const { benchAccuracy } = await import("./accuracy/mod.ts");
    return async (args) => console.log(await benchAccuracy(Number(args[0] ?? 4)));
  },
};

const [suite, ...rest] = Deno.args;
const load = suite === undefined ? undefined : suites[suite];
if (!load) {
  console.error(`Usage: deno task bench <${Object.keys(suites).join("|")}> [options]`);
  Deno.exit(2);
}
const debug = rest.includes("--debug");
try {
  await (await load())(rest.filter((a) => a !== "--debug"));
} catch (e) {
  // Bad options are the user's to fix: one line and exit code 2; a stack trace only with --debug.
  const badFlag = String((e as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");
  if (debug || !(e instanceof GraftError || badFlag)) throw e;
  console.error((e as Error).message);
  Deno.exit(e instanceof GraftError ? e.exitCode : 2);
}
