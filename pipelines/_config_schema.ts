// The pipeline config's schema (zod): every section strict, so unknown keys are errors.
import { z } from "zod";
import { BACKEND_NAMES } from "../backends/mod.ts";
import { isOp, OP_NAMES, parseOpConfig } from "../dsl/mod.ts";
import { earlyStoppingSchema, optimizerSchema, scheduleSchema } from "../train/_schemas.ts";

const int = (min: number) => z.number().int().min(min);
const pair = z.union([int(1), z.tuple([int(1), int(1)])]);

/** A layer: `relu` or `{ conv2d: { filters: 32, kernelSize: 3, padding: 1 } }`, checked by the op table. */
export const layerSchema = z.union([z.string(), z.record(z.string(), z.unknown())]).superRefine(
  (v, ctx) => {
    const ops = OP_NAMES.join(", ");
    const [op, options] = typeof v === "string" ? [v, undefined] : Object.entries(v)[0] ?? [];
    if (typeof v !== "string" && Object.keys(v).length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `a layer is one op with its options, got ${Object.keys(v).length} keys`,
      });
      return;
    }
    if (op === undefined || !isOp(op)) {
      ctx.addIssue({
        code: "custom",
        ...(typeof v === "string" ? {} : { path: [op ?? ""] }),
        message: `unknown layer "${op}" (layers: ${ops})`,
      });
      return;
    }
    const r = parseOpConfig(op, options ?? {});
    if (r.ok) return;
    if (typeof v === "string") {
      ctx.addIssue({ code: "custom", message: `layer "${v}" needs options: { ${v}: { ... } }` });
      return;
    }
    for (const i of r.issues) {
      ctx.addIssue({
        code: "custom",
        path: [op, ...(i.key ? [i.key] : [])],
        message: `expected ${i.expected}, received ${i.received}`,
      });
    }
  },
);

const pattern = z.string().min(1);

/** One edit: `{ replaceHead: 10 }`, `{ drop: classifier.2 }`, `{ freeze: features }`, ... */
export const editSchema = z.union([
  z.strictObject({ replaceHead: int(1) }),
  z.strictObject({ drop: z.union([pattern, int(0)]) }),
  z.strictObject({ freeze: pattern }),
  z.strictObject({ unfreeze: pattern }),
  z.strictObject({
    insert: z.strictObject({
      block: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
      layers: z.array(layerSchema).min(1),
      after: pattern.optional(),
      before: pattern.optional(),
    }),
  }),
  z.strictObject({ replace: z.strictObject({ path: pattern, layer: layerSchema }) }),
]);

/** The base models a config can name. */
export const MODEL_BASES = [
  "vgg11",
  "vgg13",
  "vgg16",
  "vgg19",
  "resnet18",
  "resnet34",
  "resnet50",
  "resnet101",
  "resnet152",
  "small_vgg",
  "custom",
] as const;

/** The whole pipeline config. */
export const configSchema = z.strictObject({
  name: z.string().min(1).default("cifar10"),
  model: z.strictObject({
    base: z.enum(MODEL_BASES),
    batchNorm: z.boolean().default(false),
    cifarStem: z.boolean().default(false),
    variant: z.enum(["v1.5", "v1"]).default("v1.5"),
    inputShape: z.tuple([int(1), int(1), int(1)]).optional(),
    classes: int(1).optional(),
    weights: z.string().min(1).nullable().default(null),
    layers: z.record(z.string(), z.array(layerSchema).min(1)).optional(),
    edits: z.array(editSchema).default([]),
  }),
  data: z.strictObject({
    path: z.string().min(1).nullable().default(null),
    cacheDir: z.string().min(1).nullable().default(null),
    limitTrain: int(1).nullable().default(null),
    limitTest: int(1).nullable().default(null),
    validation: int(0).default(5000),
    resize: pair.nullable().default(null),
    augment: z.boolean().default(true),
  }).prefault({}),
  train: z.strictObject({
    epochs: int(1).default(2),
    batchSize: int(1).default(64),
    seed: int(0).default(0),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    optimizer: optimizerSchema.default({ type: "sgd", lr: 0.001, momentum: 0.9 }),
    schedule: scheduleSchema.default({ type: "constant" }),
    earlyStopping: earlyStoppingSchema.nullable().default(null),
    evaluateBatchSize: int(1).default(256),
  }).prefault({}),
  backend: z.enum(BACKEND_NAMES as [string, ...string[]]).default("auto"),
  out: z.string().min(1).nullable().default(null),
});

/** A validated config with every default filled in. */
export type PipelineConfig = z.infer<typeof configSchema>;
