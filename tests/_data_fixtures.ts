// Test helpers: tiny CIFAR-10 batch files and tar.gz archives written from scratch.

/** Records with labels `labels`; pixel bytes are (record index * 7 + byte) mod 256. */
export function records(labels: readonly number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    out[i * 3073] = label;
    for (let j = 0; j < 3072; j++) out[i * 3073 + 1 + j] = (i * 7 + j) % 256;
  });
  return out;
}

/** One tar member; `type` is the typeflag ("0" file, "5" dir, "1" hardlink, "2" symlink). */
export interface Member {
  name: string;
  body?: Uint8Array;
  type?: string;
  linkname?: string;
}

function header(m: Member): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  const put = (s: string, at: number) => h.set(enc.encode(s), at);
  const size = m.body?.length ?? 0;
  put(m.name, 0);
  put("0000644\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(size.toString(8).padStart(11, "0") + "\0", 124);
  put("00000000000\0", 136);
  put("        ", 148);
  put(m.type ?? "0", 156);
  if (m.linkname) put(m.linkname, 157);
  put("ustar\0", 257);
  put("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

/** A tar stream of the members (with the two zero blocks at the end). */
export function tar(members: readonly Member[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    parts.push(header(m));
    if (m.body) {
      parts.push(m.body);
      const pad = (512 - (m.body.length % 512)) % 512;
      parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(1024));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Gzips bytes. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The members of a valid small archive: `perTrain` records per train file, `test` in test. */
export function cifarMembers(perTrain: number, test: number): Member[] {
  const labels = (n: number, from: number) => Array.from({ length: n }, (_, i) => (i + from) % 10);
  return [
    { name: "cifar-10-batches-bin/", type: "5" },
    ...[1, 2, 3, 4, 5].map((b) => ({
      name: `cifar-10-batches-bin/data_batch_${b}.bin`,
      body: records(labels(perTrain, b)),
    })),
    { name: "cifar-10-batches-bin/test_batch.bin", body: records(labels(test, 0)) },
    {
      name: "cifar-10-batches-bin/batches.meta.txt",
      body: new TextEncoder().encode("airplane\n"),
    },
  ];
}

/** Writes a gzipped archive of the members to a new temp dir; returns its path. */
export async function writeArchive(members: readonly Member[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "graft-data-" });
  const path = `${dir}/cifar-10-binary.tar.gz`;
  await Deno.writeFile(path, await gzip(tar(members)));
  return path;
}
