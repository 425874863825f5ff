// @ts-types="@types/cli-progress"
import cliProgress from "cli-progress";
import { formatRate, progressLine, type ProgressState } from "./_progress_line.ts";
import type { Callback } from "./events.ts";

/**
 * Options of {@linkcode consoleLogger}.
 *
 * @example
 * ```ts
 * import type { ConsoleLoggerOptions } from "@graft/graft/train";
 * const o: ConsoleLoggerOptions = { progress: false, interval: 10_000 };
 * ```
 */
export interface ConsoleLoggerOptions {
  /** Where lines go. Default: standard error. */
  readonly write?: (text: string) => void;
  /**
   * Redraw a progress bar in place (a terminal). Otherwise one plain progress line is written
   * every `interval`. Default: when stderr is a terminal.
   */
  readonly progress?: boolean;
  /** Width of the terminal in columns. Default: the console's width (80 when unknown). */
  readonly columns?: () => number;
  /** Milliseconds between plain progress lines when `progress` is off; 0 for none. Default: 30000. */
  readonly interval?: number;
  /** Clock in milliseconds (tests). Default: `performance.now`. */
  readonly now?: () => number;
}

function fmtLr(lr: Readonly<Record<string, number>>): string {
  return Object.entries(lr).map(([g, v]) => `${g} ${v.toExponential(2)}`).join(", ");
}

function consoleColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

/** A redrawn bar from the progress library, writing through `write`. */
class TerminalBar {
  #bar: cliProgress.SingleBar | undefined;
  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number,
  ) {}
  draw(state: ProgressState): void {
    if (!this.#bar) {
      const write = this.write, columns = this.columns;
      // The library drives the terminal through a Node-style stream; this one writes where the
      // logger writes and reports the width at each redraw.
      const stream = {
        isTTY: true,
        get columns() {
          return columns();
        },
        write(text: string) {
          write(text);
          return true;
        },
      };
      this.#bar = new cliProgress.SingleBar({
        stream: stream as unknown as NodeJS.WritableStream,
        format: (options, params, payload) =>
          progressLine(
            payload.state as ProgressState,
            (params as { maxWidth?: number }).maxWidth! - 1,
            (fraction, size) =>
              cliProgress.Format.BarFormat(fraction, { ...options, barsize: size }),
          ),
        fps: 5,
        linewrap: true,
        clearOnComplete: true,
        hideCursor: false,
      });
      this.#bar.start(state.total, state.done, { state });
    } else {
      this.#bar.setTotal(state.total);
      this.#bar.update(state.done, { state });
    }
    // The library redraws on a timer too; it must never keep the process alive.
    (this.#bar as unknown as { timer?: { unref?: () => void } }).timer?.unref?.();
  }
  clear(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}

/**
 * Logs the run. On a terminal, a progress bar redrawn in place that never wraps (parts are left
 * out as the width shrinks): running mean loss and accuracy over the epoch, images/s, elapsed
 * time and ETA for the epoch and the whole run, and the validation phase with its own progress.
 * Off a terminal, the same line written once every `interval` (30 s). After each epoch one line
 * with loss, accuracy, validation metrics, learning rates and throughput; and why training
 * stopped.
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
  const columns = options.columns ?? consoleColumns;
  const interval = options.interval ?? 30_000;
  const now = options.now ?? (() => performance.now());
  const bar = new TerminalBar(write, columns);

  let runStart = 0, epochs = 0, totalSteps = 0, stepsPerEpoch = 0, hasValidation = false;
  let sessionSteps = 0, trainMsDone = 0, lastValMs = 0;
  let lossSum = 0, hitSum = 0, seen = 0, lastPlain = 0;

  const show = (state: ProgressState) => {
    if (progress) return bar.draw(state);
    if (interval <= 0 || now() - lastPlain < interval) return;
    lastPlain = now();
    write(progressLine(state, 160) + "\n");
  };
  const runEta = (stepsLeft: number, validationsLeft: number, msPerStep: number) =>
    stepsLeft * msPerStep + validationsLeft * lastValMs;

  return {
    onTrainBegin(e) {
      runStart = lastPlain = now();
      epochs = e.epochs;
      totalSteps = e.totalSteps;
      stepsPerEpoch = e.stepsPerEpoch;
      hasValidation = e.validationSize > 0;
      write(
        `Training epochs ${e.startEpoch}-${e.epochs}: ${e.trainSize} images, batch ${e.batchSize}, ` +
          `${e.stepsPerEpoch} steps/epoch, ${e.trainableParams} trainable / ${e.frozenParams} frozen ` +
          `parameters, lr ${fmtLr(e.lr)}${
            e.resumedFrom ? `, resumed from ${e.resumedFrom}` : ""
          }\n`,
      );
    },
    onEpochBegin() {
      lossSum = hitSum = seen = 0;
    },
    onBatchEnd(e) {
      sessionSteps++;
      lossSum += e.loss * e.size;
      hitSum += e.accuracy * e.size;
      seen += e.size;
      const msPerStep = (trainMsDone + e.elapsedMs) / sessionSteps;
      const epochMsPerStep = e.elapsedMs / e.batch;
      const validationsLeft = hasValidation ? epochs - e.epoch + 1 : 0;
      show({
        phase: "train",
        epoch: e.epoch,
        epochs,
        done: e.batch,
        total: e.batches,
        loss: lossSum / seen,
        accuracy: hitSum / seen,
        imagesPerSecond: seen / Math.max(e.elapsedMs, 1e-6) * 1000,
        elapsedMs: e.elapsedMs,
        etaMs: (e.batches - e.batch) * epochMsPerStep,
        runElapsedMs: now() - runStart,
        runEtaMs: runEta(totalSteps - e.step, validationsLeft, msPerStep),
      });
      if (e.batch === e.batches) trainMsDone += e.elapsedMs;
    },
    onValidationBatchEnd(e) {
      const msPerStep = sessionSteps ? trainMsDone / sessionSteps : 0;
      const perImage = e.done ? e.elapsedMs / e.done : 0;
      show({
        phase: "validate",
        epoch: e.epoch,
        epochs,
        done: e.done,
        total: e.total,
        elapsedMs: e.elapsedMs,
        etaMs: (e.total - e.done) * perImage,
        runElapsedMs: now() - runStart,
        runEtaMs: (e.total - e.done) * perImage +
          runEta((epochs - e.epoch) * stepsPerEpoch, epochs - e.epoch, msPerStep),
      });
      if (e.done === e.total) lastValMs = e.elapsedMs;
    },
    onEpochEnd(e) {
      bar.clear();
      const val = e.valAccuracy !== undefined
        ? ` | val loss ${e.valLoss!.toFixed(4)} acc ${(e.valAccuracy * 100).toFixed(2)}% top-5 ${
          (e.valTop5! * 100).toFixed(2)
        }%`
        : "";
      write(
        `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${
          (e.accuracy * 100).toFixed(2)
        }%` +
          `${val} | lr ${fmtLr(e.lr)} | ${formatRate(e.imagesPerSecond)} img/s | ${
            (e.elapsedMs / 1000).toFixed(1)
          } s\n`,
      );
    },
    onTrainEnd(e) {
      bar.clear();
      if (e.stopped) write(`Stopped after epoch ${e.epoch}: ${e.reason}\n`);
    },
  };
}
