import { IMAGE_BYTES, RECORD_BYTES } from "./constants.ts";
import { DataError, type DataProblem } from "./errors.ts";

/**
 * Decoded records of one or more CIFAR-10 batch files: labels and planar pixels (per image 1,024
 * red, then green, then blue bytes, each plane row-major 32×32), as in the binary files.
 *
 * @example
 * ```ts
 * import type { CifarRecords } from "@graft/graft/data";
 * const r: CifarRecords = { labels: new Uint8Array([3]), pixels: new Uint8Array(3072) };
 * ```
 */
export interface CifarRecords {
  /** One label (0–9) per image. */
  readonly labels: Uint8Array;
  /** 3,072 bytes per image, planar RGB. */
  readonly pixels: Uint8Array;
}

const MAX_PROBLEMS_PER_FILE = 5;

/** Checks one file's bytes; returns its problems (empty when it is a valid batch file). */
function checkBatchBytes(bytes: Uint8Array, file: string): DataProblem[] {
  const problems: DataProblem[] = [];
  if (bytes.length === 0) return [{ file, offset: 0, message: "is empty" }];
  const whole = Math.floor(bytes.length / RECORD_BYTES);
  if (bytes.length % RECORD_BYTES !== 0) {
    problems.push({
      file,
      offset: whole * RECORD_BYTES,
      message:
        `is truncated: ${bytes.length} bytes is not a whole number of ${RECORD_BYTES}-byte ` +
        `records (${whole} records and ${bytes.length % RECORD_BYTES} bytes)`,
    });
  }
  for (let i = 0; i < whole; i++) {
    const label = bytes[i * RECORD_BYTES]!;
    if (label > 9) {
      if (problems.length >= MAX_PROBLEMS_PER_FILE) {
        problems.push({ file, message: "has more bad labels (not listed)" });
        break;
      }
      problems.push({
        file,
        offset: i * RECORD_BYTES,
        message: `has label ${label} outside 0-9 in record ${i}`,
      });
    }
  }
  return problems;
}

/**
 * Decodes CIFAR-10 batch files (3,073-byte records: a label byte, then 3,072 planar RGB bytes).
 * Checks every file first and throws one {@linkcode DataError} naming each bad file and byte
 * offset: a size that is not a whole number of records, an empty file, a label outside 0–9.
 *
 * @example
 * ```ts
 * import { decodeBatches } from "@graft/graft/data";
 * const bytes = new Uint8Array(3073);
 * bytes[0] = 7;
 * const records = decodeBatches([{ file: "data_batch_1.bin", bytes }]);
 * console.log(records.labels[0]); // 7
 * ```
 */
export function decodeBatches(
  files: readonly { readonly file: string; readonly bytes: Uint8Array }[],
): CifarRecords {
  const problems = files.flatMap((f) => checkBatchBytes(f.bytes, f.file));
  if (problems.length) throw new DataError(problems);
  const count = files.reduce((n, f) => n + f.bytes.length / RECORD_BYTES, 0);
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  let i = 0;
  for (const { bytes } of files) {
    for (let at = 0; at < bytes.length; at += RECORD_BYTES, i++) {
      labels[i] = bytes[at]!;
      pixels.set(bytes.subarray(at + 1, at + RECORD_BYTES), i * IMAGE_BYTES);
    }
  }
  return { labels, pixels };
}
