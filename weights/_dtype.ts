// Element types of the safetensors format and conversions between them and float32.

/** Element types of the safetensors format that Graft reads and writes. */
export type SafetensorsDtype =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U8"
  | "BOOL";

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
});

export function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === "string" && Object.hasOwn(DTYPE_BYTES, value);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let frac = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (frac ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    frac |= 0x800000;
    const shift = 14 - e;
    let half = frac >> shift;
    const rem = frac & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (frac >> 13);
  const rem = frac & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

function floatToBf16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff)) return (x >>> 16) | 0x40;
  // Round to nearest even.
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Converts little-endian raw bytes of `dtype` into float32 values (a fresh array). */
export function bytesToFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  const out = new Float32Array(n);
  switch (dtype) {
    case "F32":
      if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case "F64":
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case "F16":
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case "BF16": {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case "I64":
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
    case "I32":
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case "I16":
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case "I8":
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      break;
    case "U8":
    case "BOOL":
      for (let i = 0; i < n; i++) out[i] = bytes[i]!;
      break;
  }
  return out;
}

/** Array types accepted as tensor data when encoding. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array
  | readonly number[];

/** The dtype a data array is written as when none is given. */
export function defaultDtype(data: TensorData): SafetensorsDtype {
  if (data instanceof Float64Array) return "F64";
  if (data instanceof Int32Array) return "I32";
  if (data instanceof Int16Array) return "I16";
  if (data instanceof Int8Array) return "I8";
  if (data instanceof Uint8Array) return "U8";
  if (data instanceof BigInt64Array) return "I64";
  return "F32";
}

/** Writes `data` as little-endian `dtype` values into `out` (exactly n * size bytes). */
export function writeValues(data: TensorData, dtype: SafetensorsDtype, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const n = data.length;
  const get = (i: number): number => Number(data[i]!);
  switch (dtype) {
    case "F32":
      for (let i = 0; i < n; i++) view.setFloat32(i * 4, get(i), true);
      break;
    case "F64":
      for (let i = 0; i < n; i++) view.setFloat64(i * 8, get(i), true);
      break;
    case "F16":
      for (let i = 0; i < n; i++) view.setUint16(i * 2, floatToHalf(get(i)), true);
      break;
    case "BF16":
      for (let i = 0; i < n; i++) view.setUint16(i * 2, floatToBf16(get(i)), true);
      break;
    case "I64":
      if (data instanceof BigInt64Array) {
        for (let i = 0; i < n; i++) view.setBigInt64(i * 8, data[i]!, true);
      } else {
        for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(Math.trunc(get(i))), true);
      }
      break;
    case "I32":
      for (let i = 0; i < n; i++) view.setInt32(i * 4, get(i), true);
      break;
    case "I16":
      for (let i = 0; i < n; i++) view.setInt16(i * 2, get(i), true);
      break;
    case "I8":
      for (let i = 0; i < n; i++) view.setInt8(i, get(i));
      break;
    case "U8":
      for (let i = 0; i < n; i++) view.setUint8(i, get(i));
      break;
    case "BOOL":
      for (let i = 0; i < n; i++) view.setUint8(i, get(i) ? 1 : 0);
      break;
  }
}
