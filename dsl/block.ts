import { SpecError } from "./errors.ts";
import type { Layer } from "./ops/table.ts";

/**
 * A named composite of layers, a user-defined module: inserted as its own group, its layers at
 * paths `name.0`, `name.1`, ... so it can be frozen, dropped or replaced like any other group.
 *
 * @example The seed's CustomLayer as a block
 * ```ts
 * import { block, conv2d, relu } from "@graft/graft/dsl";
 * const custom = block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]);
 * console.log(custom.layers.length); // 2
 * ```
 */
export interface Block<N extends string = string> {
  /** Discriminant: a block of layers. */
  readonly kind: "block";
  /** The block's group name. */
  readonly name: N;
  /** Its layers, in order. */
  readonly layers: readonly Layer[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Makes a {@linkcode Block}: a name (a valid identifier, used as a group) and its layers.
 *
 * @example
 * ```ts
 * import { block, dense, dropout, relu } from "@graft/graft/dsl";
 * const extra = block("extra_head", [dense(256), relu(), dropout(0.3)]);
 * ```
 */
export function block<N extends string>(name: N, layers: readonly Layer[]): Block<N> {
  if (!NAME.test(name)) {
    throw new SpecError([{
      step: `block(${JSON.stringify(name)})`,
      path: "name",
      expected: "an identifier such as custom_layer",
      received: JSON.stringify(name),
    }]);
  }
  if (layers.length === 0) {
    throw new SpecError([{
      step: `block(${JSON.stringify(name)})`,
      path: "layers",
      expected: "at least one layer",
      received: "none",
    }]);
  }
  return Object.freeze({ kind: "block", name, layers: Object.freeze([...layers]) });
}
