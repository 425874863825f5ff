// Who chose the TensorFlow.js backend Graft computes on, so that Graft's default choice never
// overrides the user's. `tf.setBackend` is TensorFlow.js's own function, so the engine's
// `setBackend` is wrapped once to notice it; TensorFlow.js also calls that method itself when a
// tensor is made before any backend was set (it then starts the highest-priority one, the
// reference `cpu`), and those calls, made from the engine's `backend` getter and `ready()`, are
// not the user's choice.
import * as tf from "@tensorflow/tfjs-core";

/**
 * `nobody`: no backend chosen yet (or only TensorFlow.js's implicit start); `user`: `useBackend`
 * or `tf.setBackend`; `graft-sync`: Graft's default among `native` and `cpu` (a synchronous entry
 * point, no GPU probed); `graft`: Graft's default as `auto` chooses.
 */
export type ChosenBy = "nobody" | "user" | "graft-sync" | "graft";

/** The current chooser (mutable, shared by the backends module). */
export const backendChoice: { by: ChosenBy } = { by: "nobody" };

interface EngineMethods {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
}

const WRAPPED = Symbol.for("graft.backendChoiceWrapped");

function wrapEngine(): void {
  const engine = tf.engine() as unknown as EngineMethods & { [WRAPPED]?: true };
  if (engine[WRAPPED]) return;
  engine[WRAPPED] = true;
  const proto = Object.getPrototypeOf(engine) as EngineMethods;
  const backend = Object.getOwnPropertyDescriptor(proto, "backend")?.get;
  let implicit = 0;
  engine.setBackend = function (name: string) {
    if (implicit === 0) backendChoice.by = "user";
    return proto.setBackend.call(this, name);
  };
  engine.ready = async function () {
    implicit++;
    try {
      return await proto.ready.call(this);
    } finally {
      implicit--;
    }
  };
  if (backend) {
    Object.defineProperty(engine, "backend", {
      configurable: true,
      get() {
        implicit++;
        try {
          return backend.call(this);
        } finally {
          implicit--;
        }
      },
    });
  }
}

wrapEngine();
