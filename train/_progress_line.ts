// The text of one progress line, fitted to a width: the parts that matter most are kept and the
// rest dropped, so the line never wraps (a wrapped line leaves a new line at every redraw).

/** What a progress line shows; times in milliseconds. */
export interface ProgressState {
  /** `train` while updating, `validate` during the epoch's validation. */
  readonly phase: "train" | "validate";
  readonly epoch: number;
  readonly epochs: number;
  /** Batches (training) or images (validation) done, and their total. */
  readonly done: number;
  readonly total: number;
  /** Running means over the epoch so far (training only). */
  readonly loss?: number;
  readonly accuracy?: number;
  readonly imagesPerSecond?: number;
  /** Time spent in this phase of the epoch, and its estimated rest. */
  readonly elapsedMs: number;
  readonly etaMs: number;
  /** Time since training began, and the estimated rest of the run. */
  readonly runElapsedMs: number;
  readonly runEtaMs: number;
}

/** `m:ss`, or `h:mm:ss` from an hour. */
/** Images/s as a whole number, or two significant digits below 10 (a slow backend: "0.28"). */
export function formatRate(imagesPerSecond: number): string {
  return imagesPerSecond >= 10 ? `${Math.round(imagesPerSecond)}` : imagesPerSecond.toPrecision(2);
}

export function clock(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-:--";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * The line for `state` in at most `width` characters. `bar(fraction, size)` draws the bar (the
 * progress library's bar on a terminal); without room for a bar of 10 the bar is left out.
 */
export function progressLine(
  state: ProgressState,
  width: number,
  bar: (fraction: number, size: number) => string = asciiBar,
): string {
  const head = `epoch ${state.epoch}/${state.epochs}${state.phase === "validate" ? " val" : ""}`;
  const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
  // Each part has a rank: when the width is short, the lowest ranks are given up first.
  const parts: { text: string; rank: number }[] = [
    { text: BAR, rank: 3 },
    { text: `${state.done}/${state.total}`, rank: 6 },
  ];
  if (state.loss !== undefined) parts.push({ text: `loss ${state.loss.toFixed(4)}`, rank: 5 });
  if (state.accuracy !== undefined) {
    parts.push({ text: `acc ${(state.accuracy * 100).toFixed(1)}%`, rank: 2 });
  }
  if (state.imagesPerSecond !== undefined) {
    parts.push({ text: `${formatRate(state.imagesPerSecond)} img/s`, rank: 1 });
  }
  parts.push(
    { text: `${clock(state.elapsedMs)}<${clock(state.etaMs)}`, rank: 4 },
    { text: `run ${clock(state.runElapsedMs)}<${clock(state.runEtaMs)}`, rank: 0 },
  );
  for (let min = 0; min <= 6; min++) {
    const kept = [head, ...parts.filter((p) => p.rank >= min).map((p) => p.text)];
    const length = kept.join(" ").length - BAR.length + MIN_BAR + 2;
    if (length > width) continue;
    const size = Math.min(MAX_BAR, MIN_BAR + width - length);
    return kept.map((t) => t === BAR ? `[${bar(fraction, size)}]` : t).join(" ");
  }
  return head.slice(0, Math.max(0, width));
}

const BAR = "\u0000bar";
const MIN_BAR = 10;
const MAX_BAR = 30;

function asciiBar(fraction: number, size: number): string {
  const done = Math.round(fraction * size);
  return "=".repeat(done) + "-".repeat(size - done);
}
