// Shape inference over the graph, collecting every problem.
import type { Problem } from "./errors.ts";
import type { Inputs } from "./ops/_def.ts";
import { opDef } from "./ops/table.ts";
import type { Shape } from "./shape.ts";
import { INPUT, type SpecData } from "./types.ts";
import { stepLabel } from "./_validate.ts";

/** Shapes of every node that could be inferred, and every problem found. */
export interface Inference {
  readonly shapes: ReadonlyMap<string, Shape>;
  readonly problems: readonly Problem[];
}

/** Infers every node's output shape in topological order; `data` must be valid. */
export function inferShapes(data: SpecData): Inference {
  const shapes = new Map<string, Shape>([[INPUT, data.input.shape]]);
  const problems: Problem[] = [];
  for (const node of data.nodes) {
    const inputs = node.inputs.map((i) => shapes.get(i));
    if (inputs.some((s) => s === undefined)) continue; // upstream problem already reported
    const def = opDef(node.op);
    const r = def.infer(node.config, inputs as unknown as Inputs);
    if (r.ok) {
      shapes.set(node.path, r.shape);
      continue;
    }
    problems.push({
      step: stepLabel(data, node.step),
      path: `${node.path} (${node.op})`,
      expected: r.expected,
      received: r.received,
    });
    // A dense layer's output is known whatever its input: keep checking past it.
    if (node.op === "dense") shapes.set(node.path, [node.config.units]);
  }
  return { shapes, problems };
}
