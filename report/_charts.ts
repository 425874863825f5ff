// The report's charts: Vega-Lite specifications compiled by vega-lite and rendered to static SVG
// by vega's headless renderer when the report is written (no canvas, no browser script).
import type { TopLevelSpec } from "vega-lite";
import type { EpochEndEvent } from "../train/mod.ts";
import type { StepRecord } from "./steps.ts";

/** One chart of the report: an id for tests and links, a title and its SVG. */
export interface Chart {
  readonly id: string;
  readonly title: string;
  readonly svg: string;
}

const WIDTH = 420;
const HEIGHT = 220;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const CONFIG = {
  font: FONT,
  axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 500, gridColor: "#e6e6e6" },
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    orient: "top",
    direction: "horizontal",
    labelLimit: 400,
    titleLimit: 400,
  },
  view: { stroke: null },
} as const;

let counter = 0;

/** Renders a Vega-Lite spec to SVG; ids inside it are made unique within the page. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile({ ...spec, config: { ...CONFIG, ...spec.config } } as TopLevelSpec);
  const view = new vega.View(vega.parse(compiled.spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  const prefix = `c${++counter}-`;
  return svg.replace(/id="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

/** Exponential moving average (bias-corrected, as TensorBoard smooths). */
export function smooth(values: readonly number[], weight = 0.9): number[] {
  let avg = 0;
  return values.map((v, i) => {
    avg = avg * weight + v * (1 - weight);
    return avg / (1 - weight ** (i + 1));
  });
}

/** At most `max` evenly spaced items (the last one always kept). */
export function thin<T>(items: readonly T[], max = 600): T[] {
  if (items.length <= max) return [...items];
  const out: T[] = [];
  const stride = items.length / max;
  for (let i = 0; i < max; i++) out.push(items[Math.floor(i * stride)]!);
  out[out.length - 1] = items[items.length - 1]!;
  return out;
}

const fractionalEpoch = (s: StepRecord) => s.epoch - 1 + s.batch / Math.max(s.batches, 1);

interface Point {
  readonly x: number;
  readonly y: number;
  readonly series: string;
  readonly run?: string;
}

function lineSpec(
  points: readonly Point[],
  opts: { x: string; y: string; percent?: boolean; logY?: boolean; color?: string[] },
): TopLevelSpec {
  const series = [...new Set(points.map((p) => p.series))];
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values: points as unknown as Record<string, unknown>[] },
    mark: { type: "line", point: false, strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: opts.x },
      y: {
        field: "y",
        type: "quantitative",
        title: opts.y,
        scale: opts.logY ? { type: "log" } : { zero: false },
        ...(opts.percent ? { axis: { format: ".0%" } } : {}),
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        sort: series,
        ...(opts.color ? { scale: { domain: series, range: opts.color } } : {}),
      },
      // Groups often share a rate: dashes keep each line visible where they overlap.
      ...(series.length > 1
        ? { strokeDash: { field: "series", type: "nominal", title: null } }
        : {}),
    },
  } as TopLevelSpec;
}

const STEP = "train (step, smoothed)";

/** Loss or top-1 over epochs: per-step training (smoothed), training and validation per epoch. */
function curveSpec(
  epochs: readonly EpochEndEvent[],
  steps: readonly StepRecord[],
  metric: "loss" | "accuracy",
): TopLevelSpec {
  const val = metric === "loss" ? "valLoss" : "valAccuracy";
  const smoothed = smooth(steps.map((s) => s[metric]));
  const stepPoints = thin(steps.map((s, i) => ({ x: fractionalEpoch(s), y: smoothed[i]! })))
    .map((p) => ({ ...p, series: STEP }));
  const epochPoints: Point[] = [
    ...epochs.map((e) => ({ x: e.epoch, y: e[metric], series: "train (epoch)" })),
    ...epochs.filter((e) => e[val] !== undefined)
      .map((e) => ({ x: e.epoch, y: e[val]!, series: "validation" })),
  ];
  const series = [STEP, "train (epoch)", "validation"];
  const colors = ["#9ecae9", "#1f77b4", "#ff7f0e"];
  const title = metric === "loss" ? "cross-entropy loss" : "top-1 accuracy";
  return {
    width: WIDTH,
    height: HEIGHT,
    encoding: {
      x: { field: "x", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
      y: {
        field: "y",
        type: "quantitative",
        title,
        scale: { zero: false },
        ...(metric === "accuracy" ? { axis: { format: ".0%" } } : {}),
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: series, range: colors },
      },
    },
    layer: [
      { data: { values: stepPoints }, mark: { type: "line", strokeWidth: 1.5 } },
      {
        data: { values: epochPoints as unknown as Record<string, unknown>[] },
        mark: { type: "line", point: { size: 40 }, strokeWidth: 2.5 },
      },
    ],
  } as TopLevelSpec;
}

/** The charts of one run's curves (those its data allow). */
export async function runCharts(
  epochs: readonly EpochEndEvent[],
  steps: readonly StepRecord[],
): Promise<Chart[]> {
  const charts: Chart[] = [];
  if (epochs.length || steps.length) {
    charts.push({
      id: "loss",
      title: "Loss",
      svg: await renderSvg(curveSpec(epochs, steps, "loss")),
    });
    charts.push({
      id: "accuracy",
      title: "Top-1 accuracy",
      svg: await renderSvg(curveSpec(epochs, steps, "accuracy")),
    });
  }
  if (steps.length) {
    const groups = Object.keys(steps[0]!.lr);
    const lr = thin(steps).flatMap((s) =>
      groups.map((g) => ({ x: s.step, y: s.lr[g]!, series: g }))
    );
    charts.push({
      id: "lr",
      title: "Learning rate per group",
      svg: await renderSvg(lineSpec(lr, { x: "step", y: "learning rate" })),
    });
    const ips = smooth(steps.map((s) => s.imagesPerSecond), 0.8);
    const throughput = thin(steps.map((s, i) => ({
      x: s.step,
      y: ips[i]!,
      series: "images/s (smoothed)",
    })));
    charts.push({
      id: "throughput",
      title: "Images per second",
      svg: await renderSvg(lineSpec(throughput, { x: "step", y: "images/s", color: ["#2ca02c"] })),
    });
  }
  return charts;
}

/** The confusion matrix as a heatmap: each cell's share of its true class, with its count. */
export async function confusionChart(
  confusion: readonly (readonly number[])[],
  classes: readonly string[],
): Promise<Chart> {
  const cells = confusion.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return row.map((n, p) => ({
      truth: classes[t] ?? String(t),
      predicted: classes[p] ?? String(p),
      count: n,
      share: n / total,
    }));
  });
  const order = classes.slice(0, confusion.length);
  const axis = { labelFontSize: 12, labelAngle: 0 };
  const spec = {
    width: { step: 34 },
    height: { step: 30 },
    data: { values: cells },
    encoding: {
      x: {
        field: "predicted",
        type: "nominal",
        sort: order,
        title: "predicted",
        axis: {
          ...axis,
          labelAngle: -40,
          orient: "top",
        },
      },
      y: { field: "truth", type: "nominal", sort: order, title: "true class", axis },
    },
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          color: {
            field: "share",
            type: "quantitative",
            title: "share of row",
            scale: { range: ["#f7fbff", "#08306b"], domain: [0, 1], interpolate: "rgb" },
            legend: { format: ".0%", orient: "right", direction: "vertical", gradientLength: 200 },
          },
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: { field: "count", type: "quantitative" },
          color: { condition: { test: "datum.share > 0.5", value: "white" }, value: "#222" },
        },
      },
    ],
  } as unknown as TopLevelSpec;
  return { id: "confusion", title: "Confusion matrix (test set)", svg: await renderSvg(spec) };
}

/** Per-class top-1 accuracy as horizontal bars, labelled with the value. */
export async function perClassChart(
  perClass: readonly (number | null)[],
  classes: readonly string[],
): Promise<Chart> {
  const values = perClass.map((a, i) => ({ cls: classes[i] ?? String(i), acc: a ?? 0 }));
  const spec = {
    width: 380,
    height: { step: 26 },
    data: { values },
    encoding: {
      y: { field: "cls", type: "nominal", sort: null, title: null, axis: { labelFontSize: 12 } },
      x: {
        field: "acc",
        type: "quantitative",
        title: "top-1 accuracy",
        scale: { domain: [0, 1] },
        axis: { format: ".0%" },
      },
    },
    layer: [
      { mark: { type: "bar", color: "#4c78a8" } },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 12 },
        encoding: { text: { field: "acc", type: "quantitative", format: ".1%" } },
      },
    ],
  } as unknown as TopLevelSpec;
  return { id: "per-class", title: "Per-class accuracy (test set)", svg: await renderSvg(spec) };
}

/** Runs' curves overlaid: colour is the run, dashes mark validation. */
export async function comparisonCharts(
  runs: readonly { name: string; epochs: readonly EpochEndEvent[]; steps: readonly StepRecord[] }[],
): Promise<Chart[]> {
  const charts: Chart[] = [];
  for (const metric of ["loss", "accuracy"] as const) {
    const val = metric === "loss" ? "valLoss" : "valAccuracy";
    const values = runs.flatMap((r) => [
      ...r.epochs.map((e) => ({ x: e.epoch, y: e[metric], run: r.name, split: "train" })),
      ...r.epochs.filter((e) => e[val] !== undefined)
        .map((e) => ({ x: e.epoch, y: e[val]!, run: r.name, split: "validation" })),
    ]);
    const spec = {
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: "line", point: { size: 36 }, strokeWidth: 2 },
      encoding: {
        x: { field: "x", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
        y: {
          field: "y",
          type: "quantitative",
          title: metric === "loss" ? "cross-entropy loss" : "top-1 accuracy",
          scale: { zero: false },
          ...(metric === "accuracy" ? { axis: { format: ".0%" } } : {}),
        },
        color: { field: "run", type: "nominal", title: "run" },
        strokeDash: {
          field: "split",
          type: "nominal",
          title: null,
          scale: { domain: ["train", "validation"], range: [[1, 0], [6, 3]] },
          legend: null, // the note above the charts says solid is training, dashed validation
        },
        detail: { field: "split" },
      },
    } as unknown as TopLevelSpec;
    charts.push({
      id: `compare-${metric}`,
      title: metric === "loss" ? "Loss" : "Top-1 accuracy",
      svg: await renderSvg(spec),
    });
  }
  const stepValues = runs.flatMap((r) => {
    const s = smooth(r.steps.map((x) => x.loss));
    return thin(r.steps.map((x, i) => ({ x: fractionalEpoch(x), y: s[i]!, series: r.name })));
  });
  if (stepValues.length) {
    charts.push({
      id: "compare-steps",
      title: "Training loss per step (smoothed)",
      svg: await renderSvg(lineSpec(stepValues, { x: "epoch", y: "training loss" })),
    });
  }
  return charts;
}
