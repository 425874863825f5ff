/**
 * Run reports: a self-contained `report.html` per training run (loss and top-1 curves, learning
 * rates, throughput, confusion matrix, per-class accuracy, the most wrong test images, model
 * summary, config and provenance), rewritten live at each epoch's end, and comparisons of runs.
 * Charts are Vega-Lite rendered to static SVG; images are PNG data URLs.
 *
 * @example
 * ```ts ignore
 * import { liveReport, writeComparison, writeRunReport } from "@graft/graft/report";
 * // as a training callback: callbacks: [liveReport({ dir: "runs/demo" })]
 * await writeRunReport("runs/demo");
 * await writeComparison(["runs/a", "runs/b"], "compare.html");
 * ```
 *
 * @module
 */
export * from "./steps.ts";
export * from "./run_data.ts";
export { writeRunReport } from "./run_report.ts";
export { writeComparison } from "./comparison.ts";
export * from "./live_report.ts";
export * from "./mistakes.ts";
