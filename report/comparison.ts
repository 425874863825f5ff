import { writeAtomic } from "./_atomic.ts";
import { comparisonCharts } from "./_charts.ts";
import { duration, esc, page, pct, table } from "./_page.ts";
import { readRun, type RunData } from "./run_data.ts";
import { bestEpoch, figure, wallSeconds } from "./run_report.ts";

/** Dotted keys and printed values of a nested config (`train.optimizer.lr` → `0.001`). */
export function flattenConfig(value: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (v: unknown, key: string) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (!entries.length && key) out.set(key, "{}");
      for (const [k, x] of entries) visit(x, key ? `${key}.${k}` : k);
    } else if (Array.isArray(v) && v.some((x) => x !== null && typeof x === "object")) {
      v.forEach((x, i) => visit(x, `${key}.${i}`));
    } else out.set(key, JSON.stringify(v));
  };
  visit(value, prefix);
  return out;
}

/** The HTML of a comparison of runs. */
export async function comparisonHtml(runs: readonly RunData[]): Promise<string> {
  const charts = await comparisonCharts(runs);
  const metrics = table(
    [
      "run",
      "status",
      "epochs",
      "last train loss",
      "best val top-1",
      "test top-1",
      "test top-5",
      "test loss",
      "images/s",
      "wall time",
    ],
    runs.map((r) => {
      const last = r.epochs[r.epochs.length - 1];
      const best = bestEpoch(r);
      const ev = r.evaluation;
      return [
        `<code>${esc(r.dir)}</code>`,
        `<span class="badge ${r.status}">${r.status}</span>`,
        String(last?.epoch ?? 0),
        last ? last.loss.toFixed(4) : "–",
        best ? `${pct(best.valAccuracy, 2)} (epoch ${best.epoch})` : "–",
        pct(ev?.top1, 2),
        pct(ev?.top5, 2),
        ev ? ev.loss.toFixed(4) : "–",
        last ? String(Math.round(last.imagesPerSecond)) : "–",
        esc(duration(wallSeconds(r))),
      ];
    }),
    { id: "final-metrics", numeric: [2, 3, 4, 5, 6, 7, 8, 9] },
  );
  const flat = runs.map((r) => flattenConfig(r.config ?? {}));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter((k) => k !== "out");
  const differs = keys.map((k) => new Set(flat.map((f) => f.get(k) ?? "–")).size > 1);
  const config = table(
    ["key", ...runs.map((r) => esc(r.name))],
    keys.map((k) => [`<code>${esc(k)}</code>`, ...flat.map((f) => esc(f.get(k) ?? "–"))]),
    { id: "config-diff", rowClass: (i) => (differs[i] ? "diff" : "") },
  );
  const nDiff = differs.filter(Boolean).length;
  const body = [
    `<h2>Final metrics</h2>`,
    metrics,
    `<h2>Curves</h2><p class="note">Colour is the run; solid lines are training, dashed validation.</p>`,
    `<div class="grid">${charts.map(figure).join("")}</div>`,
    `<h2>Config</h2><p class="note">${nDiff} of ${keys.length} settings differ (highlighted).</p>`,
    config,
  ].join("\n");
  return page({
    title: `Graft comparison of ${runs.length} runs`,
    heading: `Comparison of ${runs.length} runs`,
    subtitle: runs.map((r) => `<code>${esc(r.dir)}</code>`).join(" · "),
    body,
  });
}

/**
 * Writes a comparison of several run folders to `out` (atomically): their curves overlaid,
 * final metrics, and their configs side by side with the differences highlighted.
 *
 * @example
 * ```ts ignore
 * import { writeComparison } from "@graft/graft/report";
 * await writeComparison(["runs/a", "runs/b"], "compare.html");
 * ```
 */
export async function writeComparison(dirs: readonly string[], out: string): Promise<string> {
  const runs = await Promise.all(dirs.map((d) => readRun(d)));
  await writeAtomic(out, await comparisonHtml(runs));
  return out;
}
