/**
 * The TensorFlow.js backend object of the native backend: the reference CPU backend, with the
 * bookkeeping that lets large output buffers be reused (see `_buffers.ts`).
 *
 * @module
 */
import type { DataId, DataType } from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { nativeBuffers } from "./_buffers.ts";

type Values = Parameters<MathBackendCPU["write"]>[0];

/**
 * `MathBackendCPU` that tells the buffer pool which data entries hold which arrays, and which
 * arrays were read out.
 *
 * @example
 * ```ts ignore
 * registerBackend("graft-native", () => new NativeCpuBackend());
 * ```
 */
export class NativeCpuBackend extends MathBackendCPU {
  constructor() {
    super();
    // The reference backend prints a "use tfjs-node" banner on first use under Deno.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: Values, shape: number[], dtype: DataType): DataId {
    const id = super.write(values, shape, dtype);
    nativeBuffers.attach(values);
    return id;
  }

  override move(
    dataId: DataId,
    values: Values,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    super.move(dataId, values, shape, dtype, refCount);
    nativeBuffers.attach(values);
  }

  override readSync(dataId: DataId): ReturnType<MathBackendCPU["readSync"]> {
    nativeBuffers.escape(this.data.get(dataId)?.values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force?: boolean): boolean {
    const values = this.data.get(dataId)?.values;
    const done = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) nativeBuffers.detach(values);
    return done;
  }
}
