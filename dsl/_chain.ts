// Nodes of a freshly loaded architecture: groups of layers chained one after the other.
import type { Layer } from "./ops/table.ts";
import { placed } from "./_node.ts";
import { INPUT, type SpecNode } from "./types.ts";

/** One group: its name, its layers, and whether a lone layer takes the bare group name. */
export type ChainGroup = readonly [group: string, layers: readonly Layer[], bare?: boolean];

/** Chains the groups' layers (`group.0`, `group.1`, ...; `group` for a bare lone layer). */
export function chain(groups: readonly ChainGroup[]): { nodes: SpecNode[]; output: string } {
  const nodes: SpecNode[] = [];
  let previous = INPUT;
  for (const [group, layers, bare] of groups) {
    layers.forEach((layer, i) => {
      const path = bare && layers.length === 1 ? group : `${group}.${i}`;
      nodes.push(placed(layer, { path, inputs: [previous], trainable: true, step: 1, origin: 1 }));
      previous = path;
    });
  }
  return { nodes, output: previous };
}
