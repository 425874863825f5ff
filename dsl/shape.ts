/**
 * A tensor shape without the batch axis, channels last: `[height, width, channels]` for images,
 * `[features]` once flat.
 *
 * @example
 * ```ts
 * import type { Shape } from "@graft/graft/dsl";
 * const image: Shape = [32, 32, 3];
 * ```
 */
export type Shape = readonly number[];

/** Formats a shape as `[a, b, c]` for messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}
