import { join } from "node:path";
import type { Mistake } from "../train/mod.ts";
import { writeAtomic } from "./_atomic.ts";
import { planarRgbPng } from "./_images.ts";
import type { MistakeImage } from "./run_data.ts";

/**
 * Writes `mistakes.json` into a run folder: the most confidently wrong images of an evaluation,
 * each with its class names, confidence and the image as a PNG data URL. `image(i)` gives image
 * `i` of the evaluated split as CIFAR stores it (R, G and B planes of `width × height` bytes).
 *
 * @example
 * ```ts ignore
 * import { writeMistakes } from "@graft/graft/report";
 * await writeMistakes("runs/demo", evaluation.mistakes, classes,
 *   (i) => test.pixels.subarray(i * 3072, (i + 1) * 3072));
 * ```
 */
export async function writeMistakes(
  dir: string,
  mistakes: readonly Mistake[],
  classes: readonly string[],
  image: (index: number) => Uint8Array,
  size: { width: number; height: number } = { width: 32, height: 32 },
): Promise<MistakeImage[]> {
  const out = mistakes.map((m) => ({
    index: m.index,
    label: classes[m.label] ?? String(m.label),
    predicted: classes[m.predicted] ?? String(m.predicted),
    confidence: m.confidence,
    image: planarRgbPng(image(m.index), size.width, size.height),
  }));
  await writeAtomic(join(dir, "mistakes.json"), JSON.stringify(out, null, 1) + "\n");
  return out;
}
