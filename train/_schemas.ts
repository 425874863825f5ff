// The zod schemas of what a user configures about training (optimizer, schedule, early
// stopping) and of the run state a checkpoint stores. The pipeline config composes them. They
// stay private because JSR needs explicit types on public symbols: the public types live in
// config.ts and state.ts, and the checks at the end of this file fail to compile if a schema and
// its type ever disagree.
import { z } from "zod";
import type {
  EarlyStoppingOptions,
  LearningRates,
  Monitor,
  OptimizerConfig,
  Schedule,
} from "./config.ts";
import type { TrainSettings } from "./state.ts";

const rate = z.number().min(0).refine(Number.isFinite, "must be finite");
const unit = z.number().min(0).max(1);
const belowOne = z.number().min(0).lt(1);
const count = z.number().int().min(0);

export const learningRatesSchema = z.union([rate, z.record(z.string(), rate)]);

export const optimizerSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("sgd"),
    lr: learningRatesSchema,
    momentum: unit.optional(),
    nesterov: z.boolean().optional(),
    dampening: unit.optional(),
    weightDecay: z.number().min(0).optional(),
  }).refine(
    (c) => !c.nesterov || ((c.momentum ?? 0) > 0 && (c.dampening ?? 0) === 0),
    { message: "needs a momentum above 0 and zero dampening", path: ["nesterov"] },
  ),
  z.strictObject({
    type: z.enum(["adam", "adamw"]),
    lr: learningRatesSchema,
    beta1: belowOne.optional(),
    beta2: belowOne.optional(),
    epsilon: z.number().min(0).optional(),
    weightDecay: z.number().min(0).optional(),
  }),
]);

export const scheduleSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("constant") }),
  z.strictObject({
    type: z.literal("step"),
    stepSize: z.number().int().min(1),
    gamma: z.number().positive().optional(),
  }),
  z.strictObject({
    type: z.literal("cosine"),
    minFactor: unit.optional(),
    warmupSteps: z.number().int().min(0).optional(),
  }),
  z.strictObject({
    type: z.literal("oneCycle"),
    pctStart: z.number().gt(0).lt(1).optional(),
    divFactor: z.number().positive().optional(),
    finalDivFactor: z.number().positive().optional(),
  }),
]);

export const monitorSchema = z.enum(["loss", "accuracy", "valLoss", "valAccuracy", "valTop5"]);

export const earlyStoppingSchema = z.strictObject({
  monitor: monitorSchema.default("valLoss"),
  patience: z.number().int().min(1).default(3),
  minDelta: z.number().min(0).default(0),
  restoreBestWeights: z.boolean().default(true),
});

export const trainSettingsSchema = z.strictObject({
  epochs: count.min(1),
  seed: count,
  batchSize: count.min(1),
  trainSize: count.min(1),
  optimizer: optimizerSchema,
  schedule: scheduleSchema,
  labelSmoothing: z.number().min(0).lt(1),
});

export const trainStateSchema = z.strictObject({
  epoch: count,
  step: count,
  optimizerStep: count,
  rng: z.array(z.number().int().min(0).max(0xffffffff)).length(4),
  settings: trainSettingsSchema,
  history: z.array(z.looseObject({ epoch: count.min(1) })),
  callbacks: z.record(z.string(), z.unknown()),
});

/**
 * A zod issue's message as the detail of a problem line (after `key: `): no "Invalid input: "
 * lead-in, lower-case first letter, one clause. zod's unknown-discriminator message ("Invalid
 * discriminator value. Expected 'sgd' | 'adam'") reads like its unknown-option one instead.
 */
export function issueDetail(issue: z.core.$ZodIssue): string {
  const options = issue.code === "invalid_union" && "options" in issue &&
      Array.isArray(issue.options) && issue.options.length
    ? issue.options as unknown[]
    : undefined;
  const message = options
    ? `invalid option: expected one of ${options.map((o) => JSON.stringify(o)).join("|")}`
    : issue.code === "invalid_union" && "note" in issue && issue.note
    ? issue.message
    : issue.message.replace(/^Invalid input: /, "");
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Each problem zod found, as `<prefix>.<path>: <message>, got <value>` (the value as given). */
export function schemaProblems(prefix: string, error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join(".");
    let value: unknown = input;
    for (const k of issue.path) {
      value = value !== null && typeof value === "object"
        ? (value as Record<PropertyKey, unknown>)[k as PropertyKey]
        : undefined;
    }
    const got = value === undefined || typeof value === "object" ? "" : `, got ${String(value)}`;
    return `${path}: ${issueDetail(issue)}${got}`;
  });
}

// Each public type is identical to what its schema reads (every field, optional or not), or
// this does not compile.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const same = <T extends true>(_: T) => _;
same<Equals<LearningRates, z.infer<typeof learningRatesSchema>>>(true);
same<Equals<OptimizerConfig, z.infer<typeof optimizerSchema>>>(true);
same<Equals<Schedule, z.infer<typeof scheduleSchema>>>(true);
same<Equals<Monitor, z.infer<typeof monitorSchema>>>(true);
same<Equals<EarlyStoppingOptions, z.input<typeof earlyStoppingSchema>>>(true);
same<Equals<TrainSettings, z.infer<typeof trainSettingsSchema>>>(true);
