import { EngineError } from "./errors.ts";
import { engineReady } from "./_python.ts";
import type { TorchLauncher } from "./train_torch.ts";

/**
 * The command-line flags that choose the engine (node:util `parseArgs` options), shared by
 * `deno task cifar10` and its subcommands.
 *
 * @example
 * ```ts
 * import { parseArgs } from "node:util";
 * import { ENGINE_FLAGS } from "@graft/graft/engines/torch";
 * const { values } = parseArgs({ args: ["--engine", "torch"], options: ENGINE_FLAGS });
 * console.log(values.engine); // "torch"
 * ```
 */
export const ENGINE_FLAGS = {
  engine: { type: "string" },
  "nproc-per-node": { type: "string" },
  nnodes: { type: "string" },
  "node-rank": { type: "string" },
  "rdzv-endpoint": { type: "string" },
  "rdzv-id": { type: "string" },
  "max-restarts": { type: "string" },
} as const;

/** Help text of {@linkcode ENGINE_FLAGS}. */
export const ENGINE_HELP =
  `  --engine NAME        tfjs (default: TensorFlow.js in Deno), torch (PyTorch in one process,
                       CUDA when available, else CPU) or torchrun (data-parallel PyTorch:
                       gloo on CPU, NCCL on CUDA)
  --nproc-per-node N   torchrun: processes on this machine (default 1)
  --nnodes N           torchrun: machines (default 1)
  --node-rank N        torchrun: this machine's rank (needed with --nnodes); node 0 keeps the
                       run folder and evaluates; the others train and write nothing
  --rdzv-endpoint H:P  torchrun: rendezvous host:port, node 0's with --nnodes (default: a free
                       port here; with --nnodes, 127.0.0.1:29400)
  --rdzv-id ID         torchrun: rendezvous id shared by the machines (default: the run name)
  --max-restarts N     torchrun: restart the group this often after a worker fails; training
                       continues from the last checkpoint (default 0)
`;

/** The flags' values as `parseArgs` returns them. */
export type EngineFlags = { readonly [K in keyof typeof ENGINE_FLAGS]?: string };

/**
 * The launcher the flags ask for, or undefined for TensorFlow.js; throws an EngineError naming
 * the flag when a value is wrong.
 *
 * @example
 * ```ts
 * import { launcherFrom } from "@graft/graft/engines/torch";
 * console.log(launcherFrom({ engine: "torchrun", "nproc-per-node": "2" }, "run"));
 * ```
 */
export function launcherFrom(flags: EngineFlags, name: string): TorchLauncher | undefined {
  const problems: string[] = [];
  const int = (flag: keyof EngineFlags, min: number): number | undefined => {
    const v = flags[flag];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`--${flag}: expected an integer >= ${min}, received "${v}"`);
    }
    return n;
  };
  const engine = flags.engine ?? "tfjs";
  const nproc = int("nproc-per-node", 1);
  const nnodes = int("nnodes", 1);
  const nodeRank = int("node-rank", 0);
  const restarts = int("max-restarts", 0);
  const endpoint = flags["rdzv-endpoint"];
  if (endpoint !== undefined && !/^[^:\s]+:\d+$/.test(endpoint)) {
    problems.push(`--rdzv-endpoint: expected host:port, received "${endpoint}"`);
  }
  if (!["tfjs", "torch", "torchrun"].includes(engine)) {
    problems.push(`--engine: expected tfjs, torch or torchrun, received "${engine}"`);
  }
  const torchrunOnly = ["nproc-per-node", "nnodes", "node-rank", "rdzv-endpoint", "rdzv-id"]
    .concat(["max-restarts"]).filter((f) => flags[f as keyof EngineFlags] !== undefined);
  if (engine !== "torchrun" && torchrunOnly.length) {
    problems.push(`--${torchrunOnly[0]}: needs --engine torchrun, received --engine ${engine}`);
  }
  if (engine === "torchrun" && (nnodes ?? 1) > 1 && nodeRank === undefined) {
    problems.push(
      `--nnodes ${nnodes}: needs --node-rank (0 on the machine that keeps the run folder, 1 to ` +
        `${nnodes! - 1} on the others)`,
    );
  }
  if (nodeRank !== undefined && nodeRank >= (nnodes ?? 1)) {
    problems.push(
      `--node-rank: expected an integer below --nnodes (${nnodes ?? 1}), received ${nodeRank}`,
    );
  }
  if (problems.length) throw new EngineError("Invalid engine flags", problems);
  if (engine === "tfjs") return undefined;
  engineReady();
  if (engine === "torch") return { kind: "python" };
  return {
    kind: "torchrun",
    nprocPerNode: nproc ?? 1,
    ...(nnodes !== undefined ? { nnodes } : {}),
    ...(nodeRank !== undefined ? { nodeRank } : {}),
    ...(endpoint !== undefined ? { rdzvEndpoint: endpoint } : {}),
    rdzvId: flags["rdzv-id"] ?? name.replace(/[^A-Za-z0-9_-]/g, "_"),
    ...(restarts !== undefined ? { maxRestarts: restarts } : {}),
  };
}
