// The entry point pack.sh bundles for the device machine: the GPU benchmark with its arguments.
import { runGpuBench } from "./train.ts";

await runGpuBench(Deno.args);
