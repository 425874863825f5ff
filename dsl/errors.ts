import { GraftError } from "../errors/graft_error.ts";
import type { Problem } from "../errors/problem.ts";

export type { Problem } from "../errors/problem.ts";

function describe(p: Problem): string {
  return `${p.step} at ${p.path}: expected ${p.expected}, received ${p.received}`;
}

function render(title: string, problems: readonly Problem[]): string {
  if (problems.length === 1) return `${title}: ${describe(problems[0]!)}`;
  return `${title} (${problems.length} problems):\n${
    problems.map((p) => `  - ${describe(p)}`).join("\n")
  }`;
}

/**
 * An edit that cannot apply: a path or pattern that matches nothing, a bad argument, or saved
 * data that is not a valid spec. Carries every problem found.
 *
 * @example
 * ```ts
 * import { SpecError, vgg16 } from "@graft/graft/dsl";
 * try {
 *   vgg16().drop("classifier.9" as never);
 * } catch (e) {
 *   if (e instanceof SpecError) console.log(e.problems[0]?.path); // "classifier.9"
 * }
 * ```
 */
export class SpecError extends GraftError {
  /** Creates the error from its problems. */
  constructor(problems: readonly Problem[]) {
    super(render("Invalid spec edit", problems), problems, 2);
    this.name = "SpecError";
  }
}

/**
 * Shape inference found layers whose input does not fit: all of them, at once.
 *
 * @example
 * ```ts
 * import { block, conv2d, ShapeError, vgg16 } from "@graft/graft/dsl";
 * const bad = vgg16().replaceHead(10).insert(block("custom_layer", [conv2d(512, 3)]));
 * try {
 *   bad.check();
 * } catch (e) {
 *   if (e instanceof ShapeError) console.log(e.problems[0]?.step); // "step 3 insert(custom_layer)"
 * }
 * ```
 */
export class ShapeError extends GraftError {
  /** Creates the error from its problems. */
  constructor(problems: readonly Problem[]) {
    super(render("Spec does not fit together", problems), problems, 2);
    this.name = "ShapeError";
  }
}
