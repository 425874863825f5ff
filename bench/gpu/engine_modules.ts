// Writes the torch engine's module descriptions of the GPU benchmark's models (for pack.sh):
//   deno run --allow-write bench/gpu/engine_modules.ts OUT_DIR
import { join } from "node:path";
import { benchSpec } from "../cpu/_models.ts";
import { describeTorch } from "../../engines/torch/describe.ts";

const out = Deno.args[0] ?? ".";
for (const [file, model] of [["cifar_vgg16", "cifar_vgg16"], ["seed", "seed_recipe"]] as const) {
  await Deno.writeTextFile(
    join(out, `engine_${file}.json`),
    JSON.stringify(describeTorch(benchSpec(model))),
  );
}
