/**
 * What `data.resize` gains: the same pipeline config trained once per input size (`--resize N`,
 * 32 meaning none) on the same images, each scored once on the same test images, through the
 * CLI as a user runs it. With ImageNet weights (the default `pipelines/cifar10.yaml`, which
 * needs them downloaded or given as a path) this is the accuracy the frozen features gain from
 * seeing images at the scale they were learnt on; without them the comparison is meaningless,
 * and the table says which weights were used.
 *
 * `deno task bench resize-gain [--config FILE] [--sides 32,64,128] [--limit-train N]
 * [--validation N] [--limit-test N] [--epochs N] [--data PATH] [--backend NAME]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { GraftError } from "../errors/mod.ts";
import { describeMachine } from "./cpu/_machine.ts";

/** One input size's outcome. */
export interface ResizeGain {
  /** Input side (32: CIFAR-10's own size, no resize). */
  readonly side: number;
  /** Test top-1 accuracy. */
  readonly top1: number;
  /** Mean training images per second over the last epoch. */
  readonly imagesPerSecond: number;
  /** Wall time of the whole run, seconds. */
  readonly seconds: number;
}

/** Options of {@linkcode benchResizeGain}. */
export interface ResizeGainOptions {
  readonly config: string;
  readonly sides: readonly number[];
  readonly data: string;
  readonly limitTrain: number;
  readonly validation: number;
  readonly limitTest: number;
  readonly epochs: number;
  readonly backend: string;
}

function fail(path: string, expected: string, received: string): never {
  throw new GraftError(
    `Cannot run bench resize-gain: ${path}: expected ${expected}, received ${received}`,
    [
      { step: "bench resize-gain", path, expected, received },
    ],
  );
}

/** Runs the CLI once per side and returns each side's test accuracy and speed. */
export async function benchResizeGain(o: ResizeGainOptions): Promise<ResizeGain[]> {
  const out: ResizeGain[] = [];
  for (const side of o.sides) {
    const dir = await Deno.makeTempDir({ prefix: `graft_resize_gain_${side}_` });
    try {
      const started = performance.now();
      const args = [
        "run",
        "--no-lock",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-ffi",
        "--allow-net", // the ImageNet weights and the archive, when not cached yet
        "pipelines/cifar10.ts",
        "--config",
        o.config,
        "--data",
        o.data,
        "--limit-train",
        String(o.limitTrain),
        "--validation",
        String(o.validation),
        "--limit-test",
        String(o.limitTest),
        "--epochs",
        String(o.epochs),
        "--backend",
        o.backend,
        "--json",
        "--out",
        dir,
        ...(side === 32 ? [] : ["--resize", String(side)]),
      ];
      const run = await new Deno.Command("deno", {
        args,
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      const text = new TextDecoder();
      if (!run.success) {
        const line = text.decode(run.stderr).trim().split("\n").at(-1) ?? "";
        fail(`--resize ${side}`, "a finished run", line);
      }
      const epochs = text.decode(run.stdout).split("\n").filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { imagesPerSecond: number });
      const evaluation = JSON.parse(await Deno.readTextFile(`${dir}/evaluation.json`)) as {
        top1: number;
      };
      out.push({
        side,
        top1: evaluation.top1,
        imagesPerSecond: epochs.at(-1)?.imagesPerSecond ?? NaN,
        seconds: (performance.now() - started) / 1000,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  return out;
}

/** The CLI of `deno task bench resize-gain`: prints a Markdown section. */
export async function runResizeGain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", default: "pipelines/cifar10.yaml" },
      sides: { type: "string", default: "32,64,128" },
      data: { type: "string", default: "../shared/cifar10/cifar-10-binary.tar.gz" },
      "limit-train": { type: "string", default: "5000" },
      validation: { type: "string", default: "1000" },
      "limit-test": { type: "string", default: "2000" },
      epochs: { type: "string", default: "1" },
      backend: { type: "string", default: "native" },
    },
  });
  const int = (key: keyof typeof values, min: number): number => {
    const v = Number(values[key]);
    if (!Number.isInteger(v) || v < min) {
      fail(`--${key}`, `an integer ≥ ${min}`, String(values[key]));
    }
    return v;
  };
  const sides = values.sides!.split(",").map(Number);
  if (!sides.every((s) => Number.isInteger(s) && s >= 32)) {
    fail("--sides", "input sides ≥ 32, separated by commas", values.sides!);
  }
  const options: ResizeGainOptions = {
    config: values.config!,
    sides,
    data: values.data!,
    limitTrain: int("limit-train", 1),
    validation: int("validation", 0),
    limitTest: int("limit-test", 1),
    epochs: int("epochs", 1),
    backend: values.backend!,
  };
  const machine = await describeMachine("/usr/bin/python3");
  const rows = await benchResizeGain(options);
  const base = rows.find((r) => r.side === 32);
  console.log([
    "## What `data.resize` gains",
    "",
    `- Date: ${
      new Date().toISOString().slice(0, 16).replace("T", " ")
    } UTC; machine: ${machine.line}`,
    `- Command: \`deno task bench resize-gain ${argv.join(" ")}\`; config \`${options.config}\` ` +
    `(its \`model.weights\` decides what the frozen features know), ${options.limitTrain} ` +
    `training images, ${options.epochs} epoch(s), ${options.limitTest} test images, ` +
    `${options.backend} backend`,
    "",
    "| input | test top-1 % | gain (points) | training images/s | run wall s |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.side}×${r.side} | ${(100 * r.top1).toFixed(2)} | ${
        base ? (100 * (r.top1 - base.top1)).toFixed(2) : "–"
      } | ${r.imagesPerSecond.toFixed(1)} | ${r.seconds.toFixed(0)} |`
    ),
  ].join("\n"));
}
