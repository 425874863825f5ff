// Test helpers for the CLI: run it in-process or as a child process, and write configs.
import { main } from "../pipelines/cifar10.ts";

/** What a CLI run printed and returned. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `deno task cifar10` in this process. */
export async function cli(args: string[]): Promise<CliResult> {
  let out = "", err = "";
  const code = await main(args, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    tty: false,
  });
  return { code, out, err };
}

/** Runs the CLI in a child process (so it can be killed), with extra environment variables. */
export async function cliProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const cmd = new Deno.Command("deno", {
    args: ["run", "-A", new URL("../pipelines/cifar10.ts", import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  });
  const r = await cmd.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** Writes a config file into a new temp folder; returns its path. */
export async function writeConfig(text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "graft-cli-" });
  await Deno.writeTextFile(`${dir}/config.yaml`, text);
  return `${dir}/config.yaml`;
}

/** A tiny model for 32×32 CIFAR images: average-pool to 8×8 first, so the CPU backend is quick. */
export const TINY = `name: tiny
model:
  base: custom
  inputShape: [32, 32, 3]
  layers:
    features:
      - avgPool2d: { poolSize: 4 }
      - conv2d: { filters: 4, kernelSize: 3, padding: 1 }
      - relu
      - maxPool2d: { poolSize: 2 }
    classifier:
      - flatten
      - dense: { units: 10 }
data:
  validation: 10
train:
  epochs: 3
  batchSize: 4
  optimizer: { type: adam, lr: 0.01 }
backend: cpu
`;
