// Time to accuracy: the recipe of pipelines/cifar10_small.yaml trained on all 50,000 training
// images of the shared CIFAR-10 (`--validation 0`: no held-out split, no evaluation between
// epochs) for the same number of epochs in Graft (the CLI, native backend) and in PyTorch
// (torch_small_vgg.py), one after the other; each side then scores the 10,000 test images once.
// Prints a Markdown section.
//
//   deno task bench accuracy [EPOCHS]
import { fileURLToPath } from "node:url";
import { describeMachine } from "../cpu/_machine.ts";

const ARCHIVE = "../shared/cifar10/cifar-10-binary.tar.gz";

interface Epoch {
  epoch: number;
  loss: number;
  accuracy: number;
  elapsedMs: number;
  /** PyTorch's last line: test accuracy after the last epoch. */
  testAccuracy?: number;
  totalElapsedMs?: number;
}

async function run(cmd: string, args: string[]): Promise<Epoch[]> {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "inherit" }).spawn();
  const out = await child.output();
  if (!out.success) throw new Error(`Benchmark step failed: ${cmd} ${args.join(" ")}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Epoch);
}

/** Trains both sides for `epochs` epochs and returns the Markdown section. */
export async function benchAccuracy(epochs = 4): Promise<string> {
  const started = new Date().toISOString().slice(0, 16).replace("T", " ");
  const machine = await describeMachine("/usr/bin/python3");
  const out = await Deno.makeTempDir({ prefix: "graft_accuracy_" });
  const graftStart = performance.now();
  const graft = await run("deno", [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-ffi",
    "--allow-sys",
    "pipelines/cifar10.ts",
    "--config",
    "pipelines/cifar10_small.yaml",
    "--data",
    ARCHIVE,
    "--epochs",
    String(epochs),
    "--backend",
    "native",
    "--seed",
    "0",
    "--validation",
    "0",
    "--json",
    "--out",
    out,
  ]);
  const graftWall = (performance.now() - graftStart) / 1000;
  const evaluation = JSON.parse(await Deno.readTextFile(`${out}/evaluation.json`)) as {
    top1: number;
  };
  const torchStart = performance.now();
  const torch = await run("/usr/bin/python3", [
    fileURLToPath(new URL("./torch_small_vgg.py", import.meta.url)),
    ARCHIVE,
    String(epochs),
    "2",
  ]);
  const torchWall = (performance.now() - torchStart) / 1000;
  await Deno.remove(out, { recursive: true });
  const graftTest = evaluation.top1;
  const torchTest = torch.at(-1)!.testAccuracy!;
  const pct = (x: number) => (100 * x).toFixed(2);
  let graftMs = 0;
  const rows = graft.map((e, i) => {
    graftMs = e.totalElapsedMs ?? graftMs + e.elapsedMs;
    return `| ${e.epoch} | ${e.loss.toFixed(4)} | ${(torch[i]?.loss ?? NaN).toFixed(4)} | ${
      pct(e.accuracy)
    } | ${pct(torch[i]?.accuracy ?? NaN)} | ${(graftMs / 1000).toFixed(0)} | ${
      ((torch[i]?.elapsedMs ?? NaN) / 1000).toFixed(0)
    } |`;
  });
  return [
    "## Time to accuracy on CIFAR-10 (issue 4)",
    "",
    `- Date: ${started} UTC; command: \`flock /tmp/graft-bench.lock deno task bench accuracy ${epochs}\``,
    `- Machine: ${machine.line}`,
    "- Recipe: `pipelines/cifar10_small.yaml` (3×3 convs 32-32-64-64-128, dense 128, Adam lr",
    "  0.002 with one-cycle, batch 64, crop + flip), all 50,000 training images (`--validation",
    `  0\`), ${epochs} epochs, then the 10,000 test images once; Graft on the native backend,`,
    "  PyTorch 1.13 with 2 threads, same machine, one after the other.",
    "",
    "| epoch | Graft train loss | PyTorch train loss | Graft train top-1 % | PyTorch train top-1 % | Graft s | PyTorch s |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `Final test top-1: Graft ${pct(graftTest)} % in ${graftWall.toFixed(0)} s wall, PyTorch ${
      pct(torchTest)
    } % in ${torchWall.toFixed(0)} s wall; difference ${
      (100 * (graftTest - torchTest)).toFixed(2)
    } points.`,
  ].join("\n");
}

if (import.meta.main) console.log(await benchAccuracy(Number(Deno.args[0] ?? 4)));
