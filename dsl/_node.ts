// A layer placed in a spec becomes a node.
import type { Layer } from "./ops/table.ts";
import type { SpecNode } from "./types.ts";

/** Where and how a node sits: everything but its op and config. */
export interface Placement {
  readonly path: string;
  readonly inputs: readonly string[];
  readonly trainable: boolean;
  readonly step: number;
  readonly origin: number;
}

/** The node holding `layer` at `place` (a layer's op and config always agree). */
export function placed(layer: Layer, place: Placement): SpecNode {
  const { path, inputs, trainable, step, origin } = place;
  return { path, op: layer.op, config: layer.config, inputs, trainable, step, origin } as SpecNode;
}
