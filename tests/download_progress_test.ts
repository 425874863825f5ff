import assert from "node:assert/strict";
import { downloadLine, downloadProgress } from "../data/_download_progress.ts";

Deno.test("a download off a terminal prints one line every 30 s and a last line", async () => {
  let now = 0;
  const lines: string[] = [];
  const chunks = Array.from({ length: 10 }, () => new Uint8Array(10_000_000));
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      now += 10_000; // 10 MB every 10 s
      const next = chunks.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
  let bytes = 0;
  const piped = source.pipeThrough(
    downloadProgress("cifar-10-binary.tar.gz", 100_000_000, {
      write: (t) => lines.push(t),
      tty: false,
      now: () => now,
    }),
  );
  for await (const chunk of piped) bytes += chunk.byteLength;
  assert.equal(bytes, 100_000_000);
  assert.deepEqual(lines, [
    // The stream reads one chunk ahead, so each line's clock is one chunk later than its bytes.
    "Downloading cifar-10-binary.tar.gz: 20.0/100.0 MB 0.7 MB/s 2:00 left\n",
    "Downloading cifar-10-binary.tar.gz: 50.0/100.0 MB 0.8 MB/s 1:00 left\n",
    "Downloading cifar-10-binary.tar.gz: 80.0/100.0 MB 0.9 MB/s 0:23 left\n",
    "Downloaded cifar-10-binary.tar.gz: 100.0 MB in 110.0 s\n",
  ]);
});

Deno.test("without a size the line gives what came and the rate, no time left", () => {
  assert.equal(
    downloadLine("w.safetensors", 5e6, undefined, 2000),
    "Downloading w.safetensors: 5.0 MB 2.5 MB/s",
  );
});

Deno.test("on a terminal the bar redraws in place and ends with one line", async () => {
  let out = "";
  const source = ReadableStream.from([new Uint8Array(1000), new Uint8Array(1000)]);
  const piped = source.pipeThrough(
    downloadProgress("x.bin", 2000, { write: (t) => void (out += t), tty: true }),
  );
  for await (const _ of piped) { /* drain */ }
  assert.match(out, /Downloading x\.bin: 0\.0\/0\.0 MB/);
  assert.equal(out.split("\n").length - 1, 1, JSON.stringify(out));
  assert.match(out, /Downloaded x\.bin: 0\.0 MB in \d+\.\d s\n$/);
});
