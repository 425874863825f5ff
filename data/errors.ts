import { GraftError } from "../errors/graft_error.ts";
import { type Problem, problemOf } from "../errors/problem.ts";

/**
 * One problem found while locating, extracting or reading CIFAR-10: the file it is in, the byte
 * offset where it was found (when there is one) and what is wrong.
 *
 * @example
 * ```ts
 * import type { DataProblem } from "@graft/graft/data";
 * const p: DataProblem = { file: "data_batch_1.bin", offset: 30730, message: "is truncated" };
 * ```
 */
export interface DataProblem {
  /** The file or archive member, as the user would recognise it. */
  readonly file: string;
  /** Byte offset into that file, where the problem is. */
  readonly offset?: number;
  /** What is wrong, starting with a verb or adjective (`is truncated`, `has label 12`). */
  readonly message: string;
}

function describe(p: DataProblem): string {
  return p.offset === undefined
    ? `${p.file} ${p.message}`
    : `${p.file} ${p.message} at byte ${p.offset}`;
}

/**
 * Every error from the CIFAR-10 reader: carries all the problems found, each naming the file and
 * the byte offset.
 *
 * @example
 * ```ts
 * import { DataError } from "@graft/graft/data";
 * const err = new DataError([{ file: "data_batch_1.bin", offset: 30730, message: "is truncated" }]);
 * console.log(err.message); // "Cannot read CIFAR-10 data: data_batch_1.bin is truncated at byte 30730"
 * ```
 */
export class DataError extends GraftError {
  /** Every problem found, in the order found, as the reader reported it (file, offset). */
  readonly dataProblems: readonly DataProblem[];

  /** Builds the error from one or more problems (`prefix` replaces the default lead-in). */
  constructor(problems: readonly DataProblem[], prefix = "Cannot read CIFAR-10 data") {
    super(
      `${prefix}: ${problems.map(describe).join("; ")}`,
      problems.map((p): Problem =>
        problemOf(
          prefix,
          p.offset === undefined ? p.file : `${p.file} at byte ${p.offset}`,
          p.message,
        )
      ),
      2,
    );
    this.name = "DataError";
    this.dataProblems = problems;
  }
}
