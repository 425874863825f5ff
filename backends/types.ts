/** The backends a user can ask for. `auto` picks the fastest that works on this machine. */
export type BackendName = "auto" | "native" | "cpu" | "webgpu" | "tensorflow";

/**
 * Every backend name accepted by {@linkcode useBackend}, `auto` first. (`auto` itself tries a
 * hardware `webgpu` adapter, then `native`, then `cpu`; `tensorflow` only when asked for.)
 */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze([
  "auto",
  "native",
  "cpu",
  "webgpu",
  "tensorflow",
]);

/**
 * What {@linkcode useBackend} chose.
 *
 * @example Print the choice
 * ```ts
 * import { useBackend } from "@graft/graft/backends";
 * const info = await useBackend("cpu");
 * console.log(`${info.requested} -> ${info.tfBackend}: ${info.detail}`);
 * ```
 */
export interface BackendInfo {
  /** What the caller asked for. */
  readonly requested: BackendName;
  /** The Graft backend now active. */
  readonly chosen: Exclude<BackendName, "auto">;
  /** The TensorFlow.js backend name now active (`tf.getBackend()`). */
  readonly tfBackend: string;
  /** One line for the user: the library or adapter found, or why a faster one was skipped. */
  readonly detail: string;
}

/** The outcome of trying to register one backend: a TensorFlow.js backend name, or why not. */
export type Registration =
  | { readonly ok: true; readonly tfBackend: string; readonly detail: string }
  | { readonly ok: false; readonly reason: string };
