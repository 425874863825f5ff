/**
 * The PyTorch engine: the same spec and settings trained by PyTorch, in one process (CUDA when
 * available, else CPU) or data-parallel under `torchrun` (gloo on CPU, NCCL on CUDA), with
 * Graft's callbacks, run folder and checkpoint format. Needs a Python with PyTorch 1.13 or newer
 * (Debian's `python3-torch`) and nothing else.
 *
 * @example
 * ```ts
 * import { describeTorch } from "@graft/graft/engines/torch";
 * import { vgg16 } from "@graft/graft/dsl";
 * const modules = describeTorch(vgg16({ inputShape: [32, 32, 3] }).replaceHead(10));
 * console.log(modules.nodes.find((n) => n.path === "classifier.6")?.kwargs.out_features); // 10
 * ```
 *
 * @module
 */
export * from "./describe.ts";
export * from "./errors.ts";
export * from "./train_torch.ts";
export type { JobSettings, TorchData } from "./_job.ts";
export {
  type Json,
  TORCH_OPS,
  type TorchModuleSpec,
  type TorchOp,
  type TorchTable,
} from "../../compile/_torch_ops.ts";
export * from "./cli.ts";
export * from "./export_torch.ts";
