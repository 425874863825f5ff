// Shape inference over a whole spec, collecting every problem.
import type { Problem } from "./errors.ts";
import { formatShape, infer } from "./_ops.ts";
import { INPUT, type Shape, type SpecData } from "./types.ts";

/** Shapes of every node that could be inferred, and every problem found. */
export interface Inference {
  readonly shapes: ReadonlyMap<string, Shape>;
  readonly problems: readonly Problem[];
}

export function stepLabel(data: SpecData, step: number): string {
  const s = data.steps[step - 1];
  return s ? `step ${step} ${s.call}` : `step ${step}`;
}

export function inferShapes(data: SpecData): Inference {
  const shapes = new Map<string, Shape>([[INPUT, data.input.shape]]);
  const problems: Problem[] = [];
  for (const node of data.nodes) {
    const inputs = node.inputs.map((i) => shapes.get(i));
    if (inputs.some((s) => s === undefined)) continue; // upstream problem already reported
    if (inputs.length !== 1) {
      problems.push({
        step: stepLabel(data, node.step),
        path: node.path,
        expected: "exactly one input",
        received: `${inputs.length} inputs`,
      });
      continue;
    }
    const r = infer(node.op, node.config, inputs[0]!);
    if (r.ok) {
      shapes.set(node.path, r.shape);
    } else {
      problems.push({
        step: stepLabel(data, node.step),
        path: `${node.path} (${node.op})`,
        expected: r.expected,
        received: r.received,
      });
      // A dense layer's output is known whatever its input: keep checking past it.
      if (node.op === "dense") shapes.set(node.path, [Number(node.config.units)]);
    }
  }
  return { shapes, problems };
}

export { formatShape };
