// A minimal streaming reader for ustar/GNU/pax tar streams: yields each entry's header and lets
// the caller read or skip its body. Only what CIFAR-10 archives need; nothing is written here.

/** Kinds of tar entries the readers care about. */
export type TarEntryKind = "file" | "directory" | "link" | "other";

/** One entry of a tar stream. */
export interface TarEntry {
  /** The member's name (pax `path` or GNU long name when present). */
  readonly name: string;
  readonly kind: TarEntryKind;
  /** The raw type flag, for messages. */
  readonly typeflag: string;
  readonly size: number;
  /** Offset of the entry's header in the uncompressed tar stream. */
  readonly offset: number;
  /** Reads the whole body (call at most once, before asking for the next entry). */
  body(): Promise<Uint8Array>;
}

/** Thrown for a malformed or truncated tar stream; `offset` is into the uncompressed stream. */
export class TarFormatError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

class ByteReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #pos = 0;
  offset = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #fill(): Promise<boolean> {
    while (this.#pos >= this.#chunk.length) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await this.#reader.read();
      } catch (e) {
        throw new TarFormatError(`is truncated or corrupt (${(e as Error).message})`, this.offset);
      }
      const { done, value } = next;
      if (done) return false;
      this.#chunk = value;
      this.#pos = 0;
    }
    return true;
  }

  /** Reads exactly n bytes into a new array; returns how many were read when the stream ends. */
  async read(n: number): Promise<{ bytes: Uint8Array; got: number }> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this.#fill())) break;
      const take = Math.min(n - got, this.#chunk.length - this.#pos);
      out.set(this.#chunk.subarray(this.#pos, this.#pos + take), got);
      this.#pos += take;
      got += take;
      this.offset += take;
    }
    return { bytes: out, got };
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) break;
      const take = Math.min(left, this.#chunk.length - this.#pos);
      this.#pos += take;
      left -= take;
      this.offset += take;
    }
    return n - left;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

const decoder = new TextDecoder();

function text(h: Uint8Array, start: number, len: number): string {
  const field = h.subarray(start, start + len);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function octal(h: Uint8Array, start: number, len: number, offset: number): number {
  if ((h[start]! & 0x80) !== 0) {
    // GNU base-256 encoding for large sizes.
    let v = h[start]! & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const s = text(h, start, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`has a malformed header field "${s}"`, offset);
  return parseInt(s, 8);
}

function checksumOk(h: Uint8Array, offset: number): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === octal(h, 148, 8, offset);
}

function parsePax(body: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const s = decoder.decode(body);
  let i = 0;
  while (i < s.length) {
    const sp = s.indexOf(" ", i);
    if (sp < 0) break;
    const len = parseInt(s.slice(i, sp), 10);
    if (!(len > 0)) break;
    const record = s.slice(sp + 1, i + len - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

function kindOf(flag: string): TarEntryKind {
  if (flag === "0" || flag === "\0" || flag === "" || flag === "7") return "file";
  if (flag === "5") return "directory";
  if (flag === "1" || flag === "2") return "link";
  return "other";
}

/** Reads a tar stream entry by entry. Unread bodies are skipped. */
export async function* readTar(stream: ReadableStream<Uint8Array>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(stream);
  let longName: string | undefined;
  let pax = new Map<string, string>();
  try {
    while (true) {
      const offset = r.offset;
      const { bytes: h, got } = await r.read(512);
      if (got === 0) return; // tolerate a missing end-of-archive marker
      if (got < 512) throw new TarFormatError("is truncated inside a tar header", r.offset);
      if (h.every((b) => b === 0)) return;
      if (!checksumOk(h, offset)) throw new TarFormatError("has a corrupt tar header", offset);
      const typeflag = String.fromCharCode(h[156]!);
      const size = octal(h, 124, 12, offset);
      const magic = text(h, 257, 6);
      const prefix = magic.startsWith("ustar") ? text(h, 345, 155) : "";
      const padded = Math.ceil(size / 512) * 512;
      const readBody = async (): Promise<Uint8Array> => {
        const { bytes, got } = await r.read(size);
        if (got < size) throw new TarFormatError("is truncated", r.offset);
        await r.skip(padded - size);
        return bytes;
      };
      if (typeflag === "x" || typeflag === "g" || typeflag === "L") {
        const body = await readBody();
        if (typeflag === "L") longName = text(body, 0, body.length);
        else if (typeflag === "x") pax = parsePax(body);
        continue;
      }
      const base = text(h, 0, 100);
      const name = pax.get("path") ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      longName = undefined;
      pax = new Map();
      let consumed = false;
      const entry: TarEntry = {
        name,
        kind: kindOf(typeflag),
        typeflag,
        size,
        offset,
        body: () => {
          if (consumed) throw new Error("Tar entry body already read");
          consumed = true;
          return readBody();
        },
      };
      yield entry;
      if (!consumed) {
        const skipped = await r.skip(padded);
        if (skipped < size) throw new TarFormatError("is truncated", r.offset);
      }
    }
  } finally {
    await r.cancel();
  }
}
