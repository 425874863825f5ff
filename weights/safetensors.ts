/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * (`{ name: { dtype, shape, data_offsets }, __metadata__?: { key: "string" } }`), then the raw
 * little-endian tensor data.
 *
 * @module
 */

import {
  bytesToFloat32,
  defaultDtype,
  DTYPE_BYTES,
  isDtype,
  type SafetensorsDtype,
  type TensorData,
  writeValues,
} from "./_dtype.ts";
import { WeightsError } from "./errors.ts";

export type { SafetensorsDtype, TensorData };

/** A tensor to write: its values, its shape and (optionally) the dtype to store it as. */
export interface TensorInput {
  /** Stored element type; default from the array type (Float32Array and number[] give F32). */
  readonly dtype?: SafetensorsDtype;
  /** Dimensions; their product must equal `data.length`. */
  readonly shape: readonly number[];
  /** Values in row-major order. */
  readonly data: TensorData;
}

/** A tensor read from a safetensors file. */
export interface DecodedTensor {
  /** The element type stored in the file. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions (row-major). */
  readonly shape: readonly number[];
  /** The raw little-endian bytes in the file (a view, no copy). */
  readonly bytes: Uint8Array;
  /** The values converted to float32 (computed on first access, then kept). */
  readonly data: Float32Array;
}

/** The content of a safetensors file. */
export interface Safetensors {
  /** Tensors by name, in file order. */
  readonly tensors: Readonly<Record<string, DecodedTensor>>;
  /** The `__metadata__` string map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
}

const MAX_HEADER_BYTES = 100_000_000;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file. Names are written in
 * the order given; data is packed without gaps after a header padded to 8 bytes.
 *
 * @example Write a checkpoint-like file
 * ```ts
 * import { encodeSafetensors } from "@graft/graft/weights";
 * const bytes = encodeSafetensors(
 *   { "fc.weight": { shape: [2, 3], data: new Float32Array(6) } },
 *   { format: "pt" },
 * );
 * console.log(bytes.length);
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, TensorInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const problems: string[] = [];
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") problems.push(`metadata value "${k}" is not a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const plan: { data: TensorData; dtype: SafetensorsDtype; begin: number; end: number }[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") {
      problems.push(`tensor name "__metadata__" is reserved`);
      continue;
    }
    const dtype = t.dtype ?? defaultDtype(t.data);
    if (!isDtype(dtype)) {
      problems.push(`tensor "${name}" has unknown dtype ${String(dtype)}`);
      continue;
    }
    if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      problems.push(`tensor "${name}" has invalid shape [${t.shape.join(", ")}]`);
      continue;
    }
    const n = shapeSize(t.shape);
    if (n !== t.data.length) {
      problems.push(
        `tensor "${name}" has shape [${
          t.shape.join(", ")
        }] (${n} values) but ${t.data.length} values`,
      );
      continue;
    }
    const size = n * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + size] };
    plan.push({ data: t.data, dtype, begin: offset, end: offset + size });
    offset += size;
  }
  if (problems.length > 0) throw new WeightsError("Cannot write safetensors", "tensors", problems);
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const base = 8 + json.length;
  for (const p of plan) writeValues(p.data, p.dtype, out.subarray(base + p.begin, base + p.end));
  return out;
}

function fail(source: string, problems: readonly string[]): never {
  throw new WeightsError("Cannot read safetensors file", source, problems);
}

function makeTensor(dtype: SafetensorsDtype, shape: number[], bytes: Uint8Array): DecodedTensor {
  let cache: Float32Array | undefined;
  return Object.freeze({
    dtype,
    shape: Object.freeze(shape),
    bytes,
    get data(): Float32Array {
      cache ??= bytesToFloat32(bytes, dtype);
      return cache;
    },
  });
}

/**
 * Decodes a safetensors file, validating it strictly: the header length must fit in the file,
 * the header must be a JSON object of known dtypes, integer shapes and offsets, each tensor's
 * byte range must match `shape × dtype size`, lie inside the data section and not overlap
 * another, and the tensors must cover the data section. All problems are reported in one
 * {@linkcode WeightsError} that names `source`.
 *
 * @example Round-trip
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@graft/graft/weights";
 * const bytes = encodeSafetensors({ w: { shape: [2], data: [1, 2] } });
 * const { tensors } = decodeSafetensors(bytes, "w.safetensors");
 * console.log(tensors.w?.data); // Float32Array [1, 2]
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<bytes>"): Safetensors {
  if (bytes.length >= 8 && HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) {
    fail(source, ["this is an HDF5 file, not safetensors (read it with readKerasH5)"]);
  }
  if (bytes.length < 8) {
    fail(source, [`file is ${bytes.length} bytes, shorter than the 8-byte header length`]);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8)) {
    fail(source, [
      `header length ${headerLen} runs past the end of the file (${bytes.length} bytes): ` +
      `the file is truncated or not safetensors`,
    ]);
  }
  if (headerLen > BigInt(MAX_HEADER_BYTES)) {
    fail(source, [`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`]);
  }
  const hLen = Number(headerLen);
  let header: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + hLen));
    header = JSON.parse(text);
  } catch (e) {
    fail(source, [`header is not valid UTF-8 JSON (${(e as Error).message})`]);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail(source, ["header is not a JSON object"]);
  }
  const dataStart = 8 + hLen;
  const dataLen = bytes.length - dataStart;
  const problems: string[] = [];
  const metadata: Record<string, string> = {};
  const ranges: { name: string; begin: number; end: number }[] = [];
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[] }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        problems.push("__metadata__ is not an object");
        continue;
      }
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v === "string") metadata[k] = v;
        else problems.push(`__metadata__ value "${k}" is not a string`);
      }
      continue;
    }
    if (typeof raw !== "object" || raw === null) {
      problems.push(`tensor "${name}" has no {dtype, shape, data_offsets} entry`);
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (!isDtype(dtype)) {
      problems.push(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)}`);
      continue;
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      problems.push(`tensor "${name}" has invalid shape ${JSON.stringify(shape)}`);
      continue;
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      offsets.some((d) => !Number.isSafeInteger(d) || d < 0)
    ) {
      problems.push(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
      continue;
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) {
      problems.push(
        `tensor "${name}" has data_offsets [${begin}, ${end}] that end before they begin`,
      );
      continue;
    }
    if (end > dataLen) {
      problems.push(
        `tensor "${name}" has data_offsets [${begin}, ${end}] beyond the ${dataLen}-byte data ` +
          `section (file truncated?)`,
      );
      continue;
    }
    const expected = shapeSize(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      problems.push(
        `tensor "${name}" is ${dtype} [${shape.join(", ")}] (${expected} bytes) but its ` +
          `data_offsets [${begin}, ${end}] hold ${end - begin} bytes`,
      );
      continue;
    }
    ranges.push({ name, begin, end });
    entries.push({ name, dtype, shape: [...(shape as number[])] });
  }
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    const prev = sorted[i - 1];
    if (prev && r.begin < prev.end && r.end > r.begin) {
      problems.push(
        `tensors "${prev.name}" [${prev.begin}, ${prev.end}] and "${r.name}" ` +
          `[${r.begin}, ${r.end}] overlap`,
      );
    }
    if (r.begin > covered) {
      problems.push(`bytes [${covered}, ${r.begin}] of the data section belong to no tensor`);
    }
    covered = Math.max(covered, r.end);
  }
  if (problems.length === 0 && covered < dataLen) {
    problems.push(
      `the data section is ${dataLen} bytes but the tensors end at byte ${covered}`,
    );
  }
  if (problems.length > 0) fail(source, problems);
  const tensors: Record<string, DecodedTensor> = {};
  const byName = new Map(ranges.map((r) => [r.name, r]));
  for (const e of entries) {
    const r = byName.get(e.name)!;
    tensors[e.name] = makeTensor(
      e.dtype,
      e.shape,
      bytes.subarray(dataStart + r.begin, dataStart + r.end),
    );
  }
  return Object.freeze({ tensors: Object.freeze(tensors), metadata: Object.freeze(metadata) });
}

/**
 * Reads and decodes a safetensors file from disk; errors name the path.
 *
 * @example
 * ```ts ignore
 * import { readSafetensors } from "@graft/graft/weights";
 * const { tensors } = await readSafetensors("vgg16.safetensors");
 * console.log(Object.keys(tensors).length);
 * ```
 */
export async function readSafetensors(path: string): Promise<Safetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new WeightsError("Cannot read safetensors file", path, [(e as Error).message]);
  }
  return decodeSafetensors(bytes, path);
}

/**
 * Encodes tensors and writes them to `path` atomically (a temporary file, then a rename).
 *
 * @example
 * ```ts ignore
 * import { writeSafetensors } from "@graft/graft/weights";
 * await writeSafetensors("w.safetensors", { w: { shape: [1], data: [0.5] } });
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorInput>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata);
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}
