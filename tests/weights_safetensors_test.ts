import assert from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors, WeightsError } from "../weights/mod.ts";

function header(bytes: Uint8Array): Record<string, unknown> {
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

/** Builds a file from a raw header object and a data section, bypassing the encoder. */
function rawFile(head: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(head));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WeightsError, `expected WeightsError, got ${e}`);
    return e.details;
  }
  assert.fail("expected an error");
}

Deno.test("encodeSafetensors and decodeSafetensors round-trip F32 values, shapes and metadata", () => {
  const w = new Float32Array([1.5, -2, 3.25, 0, 1e-8, -1e8]);
  const bytes = encodeSafetensors(
    {
      "features.0.weight": { shape: [2, 3], data: w },
      "features.0.bias": { shape: [2], data: [7, 8] },
    },
    { format: "pt", epoch: "3" },
  );
  const h = header(bytes);
  assert.deepEqual(h.__metadata__, { format: "pt", epoch: "3" });
  assert.deepEqual(h["features.0.weight"], { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
  assert.equal((Number(new DataView(bytes.buffer).getBigUint64(0, true)) + 8) % 8, 0);
  const file = decodeSafetensors(bytes, "x.safetensors");
  assert.deepEqual(file.metadata, { format: "pt", epoch: "3" });
  assert.deepEqual(Object.keys(file.tensors), ["features.0.weight", "features.0.bias"]);
  assert.deepEqual(file.tensors["features.0.weight"]!.shape, [2, 3]);
  assert.deepEqual(Array.from(file.tensors["features.0.weight"]!.data), Array.from(w));
  assert.deepEqual(Array.from(file.tensors["features.0.bias"]!.data), [7, 8]);
});

Deno.test("F16, BF16, F64, I64, I32 and U8 tensors decode to float32 values", () => {
  const values = [0, 1, -2, 0.5, 65504, -0.000060975552, 3.140625];
  const bytes = encodeSafetensors({
    h: { dtype: "F16", shape: [7], data: values },
    b: { dtype: "BF16", shape: [3], data: [1, -2.5, 3.140625] },
    d: { dtype: "F64", shape: [2], data: new Float64Array([0.1, -1e300]) },
    l: { dtype: "I64", shape: [2], data: new BigInt64Array([-5n, 1234567n]) },
    i: { dtype: "I32", shape: [1], data: [-9] },
    u: { dtype: "U8", shape: [2], data: [0, 255] },
  });
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual(Array.from(tensors.h!.data), values.map((v) => Math.fround(v)));
  assert.equal(tensors.h!.bytes.length, 14);
  assert.deepEqual(Array.from(tensors.b!.data), [1, -2.5, 3.140625]);
  assert.deepEqual(Array.from(tensors.d!.data), [Math.fround(0.1), -Infinity]);
  assert.deepEqual(Array.from(tensors.l!.data), [-5, 1234567]);
  assert.deepEqual(Array.from(tensors.i!.data), [-9]);
  assert.deepEqual(Array.from(tensors.u!.data), [0, 255]);
});

Deno.test("F16 encoding rounds to nearest and decodes known bit patterns", () => {
  const bytes = encodeSafetensors({
    h: { dtype: "F16", shape: [4], data: [1 / 3, 1e-7, 70000, -0] },
  });
  const t = decodeSafetensors(bytes).tensors.h!;
  const bits = Array.from(new Uint16Array(t.bytes.slice().buffer));
  assert.deepEqual(bits, [0x3555, 0x0002, 0x7c00, 0x8000]);
});

Deno.test("a truncated file names the file and the header length problem", () => {
  const bytes = encodeSafetensors({ w: { shape: [4], data: [1, 2, 3, 4] } });
  const cut = bytes.subarray(0, 20);
  assert.throws(() => decodeSafetensors(cut, "cut.safetensors"), (e: unknown) => {
    assert.ok(e instanceof WeightsError);
    assert.match(
      e.message,
      /^Cannot read safetensors file: cut\.safetensors: header length \d+ runs past/,
    );
    return true;
  });
  const dataCut = bytes.subarray(0, bytes.length - 4);
  const p = problemsOf(() => decodeSafetensors(dataCut, "d.safetensors"));
  assert.deepEqual(p, [
    'tensor "w" has data_offsets [0, 16] beyond the 12-byte data section (file truncated?)',
  ]);
  assert.match(
    problemsOf(() => decodeSafetensors(new Uint8Array(5)))[0]!,
    /shorter than the 8-byte/,
  );
});

Deno.test("a file of another format is rejected with a clear error", () => {
  const hdf5 = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  assert.match(problemsOf(() => decodeSafetensors(hdf5))[0]!, /HDF5 file, not safetensors/);
  const text = new TextEncoder().encode("hello world, this is not a weights file");
  assert.match(problemsOf(() => decodeSafetensors(text))[0]!, /runs past the end of the file/);
  const notJson = rawFile({}, new Uint8Array(0));
  notJson[8] = 0x5b; // '[' makes it an array or invalid JSON
  assert.match(problemsOf(() => decodeSafetensors(notJson))[0]!, /header is not/);
});

Deno.test("overlapping, out-of-range and wrongly sized tensors are all reported at once", () => {
  const file = rawFile({
    a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
    c: { dtype: "F32", shape: [3], data_offsets: [12, 16] },
    d: { dtype: "F32", shape: [1], data_offsets: [16, 40] },
    e: { dtype: "Q4", shape: [1], data_offsets: [0, 1] },
    f: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] },
  }, new Uint8Array(16));
  const p = problemsOf(() => decodeSafetensors(file, "bad.safetensors"));
  assert.deepEqual(p, [
    'tensor "c" is F32 [3] (12 bytes) but its data_offsets [12, 16] hold 4 bytes',
    'tensor "d" has data_offsets [16, 40] beyond the 16-byte data section (file truncated?)',
    'tensor "e" has unsupported dtype "Q4"',
    'tensor "f" has invalid shape [1.5]',
    'tensors "a" [0, 8] and "b" [4, 12] overlap',
  ]);
});

Deno.test("gaps in the data section and non-string metadata are rejected", () => {
  const gap = rawFile({ a: { dtype: "U8", shape: [2], data_offsets: [2, 4] } }, new Uint8Array(6));
  assert.deepEqual(problemsOf(() => decodeSafetensors(gap)), [
    "bytes [0, 2] of the data section belong to no tensor",
  ]);
  const tail = rawFile({ a: { dtype: "U8", shape: [2], data_offsets: [0, 2] } }, new Uint8Array(6));
  assert.deepEqual(problemsOf(() => decodeSafetensors(tail)), [
    "the data section is 6 bytes but the tensors end at byte 2",
  ]);
  const meta = rawFile({ __metadata__: { epoch: 3 } }, new Uint8Array(0));
  assert.deepEqual(problemsOf(() => decodeSafetensors(meta)), [
    '__metadata__ value "epoch" is not a string',
  ]);
});

Deno.test("encodeSafetensors rejects a shape that does not match the data length", () => {
  assert.throws(
    () => encodeSafetensors({ w: { shape: [2, 2], data: [1, 2, 3] } }),
    /Cannot write safetensors: tensors: tensor "w" has shape \[2, 2\] \(4 values\) but 3 values/,
  );
});
