/**
 * The oneDNN 2.x C functions and constants the native primitives use, as Deno FFI declarations
 * (values from `dnnl_types.h` of oneDNN 2.6).
 *
 * @module
 */

/** `sizeof(dnnl_memory_desc_t)` in oneDNN 2.x, with room to spare. */
export const MEMORY_DESC_BYTES = 1024;
/** The largest operation descriptor used (`dnnl_convolution_desc_t`, 5976 bytes), with room. */
export const OP_DESC_BYTES = 8192;

/** oneDNN constants from `dnnl_types.h` (2.x). */
export const DNNL = {
  cpu: 1,
  f32: 3,
  tagAny: 1,
  tagA: 2,
  tagNhwc: 20,
  tagHwio: 30,
  forwardTraining: 64,
  backward: 128,
  backwardData: 160,
  convolutionDirect: 1,
  eltwiseRelu: 31,
  binaryAdd: 0x1fff0,
  binaryMul: 0x1fff1,
  argSrc0: 1,
  argSrc1: 2,
  poolingMax: 511,
  argWorkspace: 64,
  argMean: 49,
  argVariance: 50,
  argScale: 51,
  argShift: 52,
  argDiffScale: 255,
  argDiffShift: 256,
  useScale: 0x8,
  useShift: 0x10,
  queryWorkspaceMd: 135,
  argSrc: 1,
  argDst: 17,
  argWeights: 33,
  argBias: 41,
  argDiffSrc: 129,
  argDiffDst: 145,
  argDiffWeights: 161,
  queryImplInfoStr: 8,
  queryWeightsMd: 131,
  queryDiffWeightsMd: 132,
} as const;

const STATUS = "i32" as const;

/** The oneDNN C functions the primitives use. */
export const DNNL_PRIMITIVE_SYMBOLS = {
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: STATUS },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: STATUS },
  dnnl_stream_wait: { parameters: ["pointer"], result: STATUS },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: STATUS,
  },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_memory_desc_equal: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: STATUS },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: STATUS },
  dnnl_memory_destroy: { parameters: ["pointer"], result: STATUS },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "pointer",
      "pointer",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: STATUS,
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "pointer",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: STATUS,
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "pointer",
      "pointer",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: STATUS,
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "pointer", "f32", "f32"],
    result: STATUS,
  },
  dnnl_eltwise_backward_desc_init: {
    parameters: ["buffer", "i32", "pointer", "pointer", "f32", "f32"],
    result: STATUS,
  },
  dnnl_pooling_v2_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: STATUS,
  },
  dnnl_pooling_v2_backward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "pointer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: STATUS,
  },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "pointer", "f32", "u32"],
    result: STATUS,
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "pointer", "pointer", "f32", "u32"],
    result: STATUS,
  },
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: STATUS },
  dnnl_post_ops_create: { parameters: ["buffer"], result: STATUS },
  dnnl_post_ops_append_eltwise: {
    parameters: ["pointer", "f32", "i32", "f32", "f32"],
    result: STATUS,
  },
  dnnl_post_ops_append_sum: { parameters: ["pointer", "f32"], result: STATUS },
  dnnl_primitive_attr_destroy: { parameters: ["pointer"], result: STATUS },
  dnnl_binary_desc_init: {
    parameters: ["buffer", "i32", "pointer", "pointer", "pointer"],
    result: STATUS,
  },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: STATUS },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: STATUS,
  },
  dnnl_primitive_desc_query: {
    parameters: ["pointer", "i32", "i32", "buffer"],
    result: STATUS,
  },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: STATUS },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: STATUS,
  },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: STATUS },
  dnnl_primitive_execute: {
    parameters: ["pointer", "pointer", "i32", "buffer"],
    result: STATUS,
  },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: STATUS },
} as const;
