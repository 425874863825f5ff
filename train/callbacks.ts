import type { BatchEndEvent, Callback } from "./events.ts";

/**
 * Options of {@linkcode consoleLogger}.
 *
 * @example
 * ```ts
 * import type { ConsoleLoggerOptions } from "@graft/graft/train";
 * const o: ConsoleLoggerOptions = { progress: false };
 * ```
 */
export interface ConsoleLoggerOptions {
  /** Where lines go. Default: standard error. */
  readonly write?: (text: string) => void;
  /** Redraw a progress bar with loss and images/s after each batch. Default: when stderr is a terminal. */
  readonly progress?: boolean;
}

function fmtLr(lr: Readonly<Record<string, number>>): string {
  return Object.entries(lr).map(([g, v]) => `${g} ${v.toExponential(2)}`).join(", ");
}

/** Images/s as a whole number, or two significant digits below 10 (a slow backend: "0.28"). */
function fmtRate(imagesPerSecond: number): string {
  return imagesPerSecond >= 10 ? `${Math.round(imagesPerSecond)}` : imagesPerSecond.toPrecision(2);
}

function bar(e: BatchEndEvent): string {
  const width = 24;
  const done = Math.round((e.batch / e.batches) * width);
  return `epoch ${e.epoch} [${"=".repeat(done)}${
    " ".repeat(width - done)
  }] ${e.batch}/${e.batches}` +
    ` loss ${e.loss.toFixed(4)} ${fmtRate(e.imagesPerSecond)} img/s`;
}

/**
 * Logs the run: a progress bar with loss and images/s on a terminal, one line per epoch with
 * loss, accuracy, validation metrics, learning rates and throughput, and why training stopped.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "@graft/graft/train";
 * const lines: string[] = [];
 * const cb = consoleLogger({ write: (t) => lines.push(t), progress: false });
 * console.log(typeof cb.onEpochEnd); // "function"
 * ```
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Callback {
  const encoder = new TextEncoder();
  const write = options.write ?? ((t: string) => Deno.stderr.writeSync(encoder.encode(t)));
  const progress = options.progress ?? Deno.stderr.isTerminal();
  let drawn = false;
  const clear = () => {
    if (drawn) write("\r\x1b[2K");
    drawn = false;
  };
  return {
    onTrainBegin(e) {
      write(
        `Training epochs ${e.startEpoch}-${e.epochs}: ${e.trainSize} images, batch ${e.batchSize}, ` +
          `${e.stepsPerEpoch} steps/epoch, ${e.trainableParams} trainable / ${e.frozenParams} frozen ` +
          `parameters, lr ${fmtLr(e.lr)}${
            e.resumedFrom ? `, resumed from ${e.resumedFrom}` : ""
          }\n`,
      );
    },
    onBatchEnd(e) {
      if (!progress) return;
      write(`\r\x1b[2K${bar(e)}`);
      drawn = true;
    },
    onEpochEnd(e) {
      clear();
      const val = e.valAccuracy !== undefined
        ? ` | val loss ${e.valLoss!.toFixed(4)} acc ${(e.valAccuracy * 100).toFixed(2)}% top-5 ${
          (e.valTop5! * 100).toFixed(2)
        }%`
        : "";
      write(
        `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${
          (e.accuracy * 100).toFixed(2)
        }%` +
          `${val} | lr ${fmtLr(e.lr)} | ${fmtRate(e.imagesPerSecond)} img/s | ${
            (e.elapsedMs / 1000).toFixed(1)
          } s\n`,
      );
    },
    onTrainEnd(e) {
      clear();
      if (e.stopped) write(`Stopped after epoch ${e.epoch}: ${e.reason}\n`);
    },
  };
}
