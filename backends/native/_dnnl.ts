/**
 * oneDNN 2.x primitives through Deno FFI: the engine, stream, memory descriptors, primitive
 * creation and execution that the convolution and element-wise kernels build on. oneDNN's C
 * API passes its descriptors as plain structs; this module allocates them as byte buffers of
 * the library's sizes (oneDNN 2.x, checked against `dnnl_types.h` of 2.6) and never reads
 * their fields.
 *
 * @module
 */
import { DNNL, type DNNL_PRIMITIVE_SYMBOLS, MEMORY_DESC_BYTES } from "./_dnnl_symbols.ts";

export { DNNL, DNNL_PRIMITIVE_SYMBOLS, OP_DESC_BYTES } from "./_dnnl_symbols.ts";
export { PrimitiveCache } from "./_dnnl_cache.ts";

type Symbols = Deno.DynamicLibrary<typeof DNNL_PRIMITIVE_SYMBOLS>["symbols"];

/** A oneDNN call that returned an error status. */
export class DnnlStatusError extends Error {
  /** The `dnnl_status_t` value. */
  readonly status: number;
  /**
   * @example
   * ```ts
   * new DnnlStatusError("dnnl_primitive_execute", 5);
   * ```
   */
  constructor(call: string, status: number) {
    super(`Native oneDNN call failed: ${call} returned status ${status}`);
    this.name = "DnnlStatusError";
    this.status = status;
  }
}

/** A `dnnl_dims_t` (12 int64 values) holding `values`. */
export function dnnlDims(values: readonly number[]): BigInt64Array<ArrayBuffer> {
  const d = new BigInt64Array(12);
  values.forEach((v, i) => (d[i] = BigInt(v)));
  return d;
}

/** A memory descriptor: its bytes (kept alive) and a pointer to them. */
export interface MemoryDesc {
  readonly bytes: Uint8Array<ArrayBuffer> | undefined;
  readonly ptr: Deno.PointerValue;
}

/** A created primitive with one memory object per argument, rebound to new data per call. */
export interface BoundPrimitive {
  readonly primitive: Deno.PointerValue;
  /** One memory object per argument. */
  readonly memories: readonly Deno.PointerValue[];
  /** The `dnnl_exec_arg_t` array handed to `dnnl_primitive_execute`. */
  readonly execArgs: BigInt64Array<ArrayBuffer>;
  /** The implementation oneDNN chose (`brgconv:avx512_core`). */
  readonly impl: string;
}

/** Storage that oneDNN reads or writes: tensors, and workspaces of any element type. */
export type Storage = Float32Array<ArrayBufferLike> | Uint8Array<ArrayBufferLike>;

/**
 * The oneDNN CPU engine and stream with helpers to describe memory and build and run
 * primitives. One instance per process is enough; everything runs in order on one stream.
 *
 * @example
 * ```ts
 * const lib = Deno.dlopen("libdnnl.so.2", DNNL_PRIMITIVE_SYMBOLS);
 * const dnnl = new DnnlContext(lib.symbols);
 * ```
 */
export class DnnlContext {
  readonly #s: Symbols;
  readonly #engine: Deno.PointerValue;
  readonly #stream: Deno.PointerValue;
  readonly #out = new BigUint64Array(1);

  /**
   * @example
   * ```ts
   * const dnnl = new DnnlContext(Deno.dlopen("libdnnl.so.2", DNNL_PRIMITIVE_SYMBOLS).symbols);
   * ```
   */
  constructor(symbols: Symbols) {
    this.#s = symbols;
    this.check("dnnl_engine_create", symbols.dnnl_engine_create(this.#out, DNNL.cpu, 0n));
    this.#engine = this.#takeOut();
    this.check("dnnl_stream_create", symbols.dnnl_stream_create(this.#out, this.#engine, 1));
    this.#stream = this.#takeOut();
  }

  /** The raw symbols, for primitive-specific descriptor calls. */
  get symbols(): Symbols {
    return this.#s;
  }

  /** Throws {@linkcode DnnlStatusError} unless `status` is success. */
  check(call: string, status: number): void {
    if (status !== 0) throw new DnnlStatusError(call, status);
  }

  #takeOut(): Deno.PointerValue {
    const p = Deno.UnsafePointer.create(this.#out[0]!);
    this.#out[0] = 0n;
    return p;
  }

  /** A plain f32 memory descriptor of logical `dims` in layout `tag` (`DNNL.tagNhwc`, ...). */
  memoryDesc(dims: readonly number[], tag: number): MemoryDesc {
    const bytes = new Uint8Array(MEMORY_DESC_BYTES);
    this.check(
      "dnnl_memory_desc_init_by_tag",
      this.#s.dnnl_memory_desc_init_by_tag(bytes, dims.length, dnnlDims(dims), DNNL.f32, tag),
    );
    return { bytes, ptr: Deno.UnsafePointer.of(bytes) };
  }

  /** Bytes a memory descriptor needs. */
  sizeOf(md: MemoryDesc): number {
    return Number(this.#s.dnnl_memory_desc_get_size(md.ptr));
  }

  /** Whether two memory descriptors describe the same layout. */
  sameLayout(a: MemoryDesc, b: MemoryDesc): boolean {
    return this.#s.dnnl_memory_desc_equal(a.ptr, b.ptr) === 1;
  }

  /** Attributes with one ReLU post-op, or null for none. */
  reluAttr(): Deno.PointerValue {
    this.check("dnnl_primitive_attr_create", this.#s.dnnl_primitive_attr_create(this.#out));
    const attr = this.#takeOut();
    this.check("dnnl_post_ops_create", this.#s.dnnl_post_ops_create(this.#out));
    const ops = this.#takeOut();
    this.check(
      "dnnl_post_ops_append_eltwise",
      this.#s.dnnl_post_ops_append_eltwise(ops, 1, DNNL.eltwiseRelu, 0, 0),
    );
    this.check(
      "dnnl_primitive_attr_set_post_ops",
      this.#s.dnnl_primitive_attr_set_post_ops(attr, ops),
    );
    return attr;
  }

  /**
   * Attributes with one sum post-op: the primitive adds `scale` times what its destination held
   * before (`dst = op(...) + scale * dst`). Free them with {@linkcode DnnlContext.releaseAttr}.
   */
  sumAttr(scale: number): Deno.PointerValue {
    this.check("dnnl_primitive_attr_create", this.#s.dnnl_primitive_attr_create(this.#out));
    const attr = this.#takeOut();
    this.check("dnnl_post_ops_create", this.#s.dnnl_post_ops_create(this.#out));
    const ops = this.#takeOut();
    this.check("dnnl_post_ops_append_sum", this.#s.dnnl_post_ops_append_sum(ops, scale));
    this.check(
      "dnnl_primitive_attr_set_post_ops",
      this.#s.dnnl_primitive_attr_set_post_ops(attr, ops),
    );
    return attr;
  }

  /** Frees attributes made by {@linkcode DnnlContext.sumAttr}. */
  releaseAttr(attr: Deno.PointerValue): void {
    this.#s.dnnl_primitive_attr_destroy(attr);
  }

  /**
   * A primitive descriptor from an initialised operation descriptor, or undefined when oneDNN
   * has no implementation for it.
   */
  primitiveDesc(
    opDesc: Uint8Array<ArrayBuffer>,
    attr: Deno.PointerValue,
    hint: Deno.PointerValue,
  ): Deno.PointerValue | undefined {
    const status = this.#s.dnnl_primitive_desc_create(this.#out, opDesc, attr, this.#engine, hint);
    if (status !== 0) return undefined;
    return this.#takeOut();
  }

  /** The memory descriptor a primitive descriptor chose for `query` (weights, diff weights). */
  queryMd(pd: Deno.PointerValue, query: number): MemoryDesc {
    const ptr = this.#s.dnnl_primitive_desc_query_md(pd, query, 0);
    if (ptr === null) throw new DnnlStatusError("dnnl_primitive_desc_query_md", -1);
    return { bytes: undefined, ptr };
  }

  /** A reorder primitive descriptor from one layout to another. */
  reorderDesc(from: MemoryDesc, to: MemoryDesc): Deno.PointerValue {
    this.check(
      "dnnl_reorder_primitive_desc_create",
      this.#s.dnnl_reorder_primitive_desc_create(
        this.#out,
        from.ptr,
        this.#engine,
        to.ptr,
        this.#engine,
        null,
      ),
    );
    return this.#takeOut();
  }

  /** Creates the primitive of `pd` with one memory object per `(kind, desc)` argument. */
  bind(pd: Deno.PointerValue, args: readonly [number, MemoryDesc][]): BoundPrimitive {
    const result = new BigUint64Array(1);
    this.check(
      "dnnl_primitive_desc_query",
      this.#s.dnnl_primitive_desc_query(pd, DNNL.queryImplInfoStr, 0, result),
    );
    const implPtr = Deno.UnsafePointer.create(result[0]!);
    const impl = implPtr ? Deno.UnsafePointerView.getCString(implPtr) : "?";
    this.check("dnnl_primitive_create", this.#s.dnnl_primitive_create(this.#out, pd));
    const primitive = this.#takeOut();
    const memories = args.map(([, md]) => {
      this.check(
        "dnnl_memory_create",
        this.#s.dnnl_memory_create(this.#out, md.ptr, this.#engine, null),
      );
      return this.#takeOut();
    });
    const execArgs = new BigInt64Array(args.length * 2);
    args.forEach(([kind], i) => {
      execArgs[2 * i] = BigInt(kind);
      execArgs[2 * i + 1] = Deno.UnsafePointer.value(memories[i]!) as bigint;
    });
    return { primitive, memories, execArgs, impl };
  }

  /** Runs a bound primitive on `data` (one storage per argument, in `bind` order) and waits. */
  execute(p: BoundPrimitive, data: readonly Storage[]): void {
    if (data.length !== p.memories.length) {
      throw new RangeError(
        `Invalid oneDNN arguments: expected ${p.memories.length}, received ${data.length}`,
      );
    }
    for (let i = 0; i < data.length; i++) {
      const status = this.#s.dnnl_memory_set_data_handle(
        p.memories[i]!,
        Deno.UnsafePointer.of(data[i]!),
      );
      if (status !== 0) throw new DnnlStatusError("dnnl_memory_set_data_handle", status);
    }
    const status = this.#s.dnnl_primitive_execute(
      p.primitive,
      this.#stream,
      p.memories.length,
      p.execArgs,
    );
    if (status !== 0) throw new DnnlStatusError("dnnl_primitive_execute", status);
    this.check("dnnl_stream_wait", this.#s.dnnl_stream_wait(this.#stream));
  }

  /** Frees a bound primitive and its memory objects. */
  release(p: BoundPrimitive): void {
    for (const m of p.memories) this.#s.dnnl_memory_destroy(m);
    this.#s.dnnl_primitive_destroy(p.primitive);
  }

  /** Frees a primitive descriptor. */
  releaseDesc(pd: Deno.PointerValue): void {
    this.#s.dnnl_primitive_desc_destroy(pd);
  }
}
