// Progress of a long download (the 170 MB CIFAR-10 archive, 528 MB of VGG weights): a bar from
// cli-progress redrawn in place on a terminal, otherwise one plain line every 30 s, and a last
// line with the size and time.
// @ts-types="@types/cli-progress"
import cliProgress from "cli-progress";

/** Where and how the progress is shown (tests pass their own). */
export interface DownloadProgressOptions {
  readonly write?: (text: string) => void;
  /** Redraw a bar in place. Default: when stderr is a terminal. */
  readonly tty?: boolean;
  /** Milliseconds between plain lines off a terminal. Default: 30000. */
  readonly interval?: number;
  /** Clock in milliseconds. Default: `performance.now`. */
  readonly now?: () => number;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

function clock(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-:--";
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The text of one progress line for `label` after `done` of `total` bytes in `ms`. */
export function downloadLine(label: string, done: number, total: number | undefined, ms: number) {
  const rate = done / Math.max(ms, 1) * 1000;
  const size = total ? `${mb(done)}/${mb(total)} MB` : `${mb(done)} MB`;
  const left = total && rate > 0 ? ` ${clock((total - done) / rate * 1000)} left` : "";
  return `Downloading ${label}: ${size} ${mb(rate)} MB/s${left}`;
}

/**
 * A pass-through stream that shows how far a download of `total` bytes (unknown when the server
 * does not say) has come.
 */
export function downloadProgress(
  label: string,
  total: number | undefined,
  options: DownloadProgressOptions = {},
): TransformStream<Uint8Array, Uint8Array> {
  const encoder = new TextEncoder();
  const write = options.write ?? ((t: string) => void Deno.stderr.writeSync(encoder.encode(t)));
  const tty = options.tty ?? Deno.stderr.isTerminal();
  const interval = options.interval ?? 30_000;
  const now = options.now ?? (() => performance.now());
  const start = now();
  let done = 0, lastLine = start;
  let bar: cliProgress.SingleBar | undefined;
  if (tty) {
    const stream = {
      isTTY: true,
      get columns() {
        try {
          return Deno.consoleSize().columns;
        } catch {
          return 80;
        }
      },
      write: (t: string) => (write(t), true),
    };
    bar = new cliProgress.SingleBar({
      stream: stream as unknown as NodeJS.WritableStream,
      format: (_o, _p, payload) =>
        downloadLine(label, payload.done as number, total, now() - start),
      linewrap: true,
      clearOnComplete: true,
      fps: 5,
    });
    bar.start(total ?? 0, 0, { done: 0 });
    (bar as unknown as { timer?: { unref?: () => void } }).timer?.unref?.();
  }
  return new TransformStream({
    transform(chunk, controller) {
      done += chunk.byteLength;
      controller.enqueue(chunk);
      if (bar) {
        bar.update(done, { done });
        (bar as unknown as { timer?: { unref?: () => void } }).timer?.unref?.();
      } else if (now() - lastLine >= interval) {
        lastLine = now();
        write(downloadLine(label, done, total, lastLine - start) + "\n");
      }
    },
    flush() {
      bar?.stop();
      write(`Downloaded ${label}: ${mb(done)} MB in ${((now() - start) / 1000).toFixed(1)} s\n`);
    },
  });
}
