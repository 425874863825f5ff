/**
 * Benchmark entry point: `deno task bench <suite> [options]`. Suites: `cpu` (native CPU
 * backend against PyTorch, bench/cpu/), `profile` (one training step of a CPU benchmark model,
 * kernel by kernel), `resize` (what data.resize costs the seed recipe, bench/resize.ts), `dsl` (bench/dsl.ts), `accuracy` (time to accuracy on CIFAR-10, Graft against
 * PyTorch, bench/accuracy/); the GPU run is bench/gpu/.
 *
 * @module
 */
const suites: Record<string, () => Promise<(args: string[]) => Promise<void>>> = {
  cpu: async () => (await import("./cpu/mod.ts")).runCpuBench,
  profile: async () => (await import("./cpu/profile.ts")).runProfile,
  dsl: async () => {
    const { benchDsl } = await import("./dsl.ts");
    return async () => console.log(await benchDsl());
  },
  resize: async () => {
    const { benchResize } = await import("./resize.ts");
    return async (args) =>
      console.log(await benchResize(args.length ? args.map(Number) : [32, 64, 128, 224]));
  },
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
await (await load())(rest);
