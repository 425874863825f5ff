import { join } from "node:path";
import { writeAtomic } from "./_atomic.ts";
import { type Chart, confusionChart, perClassChart, runCharts } from "./_charts.ts";
import { duration, esc, page, pct, RELOAD_SECONDS, table } from "./_page.ts";
import { readRun, type RunData, type RunStatus } from "./run_data.ts";

/** A chart as a figure with an id (`chart-ID`) that tests and links can find. */
export function figure(c: Chart): string {
  return `<figure class="chart" id="chart-${c.id}"><figcaption>${
    esc(c.title)
  }</figcaption>${c.svg}</figure>`;
}

function stat(value: string, key: string): string {
  return `<div class="stat"><div class="v">${value}</div><div class="k">${esc(key)}</div></div>`;
}

/** The best validation top-1 and its epoch. */
export function bestEpoch(run: RunData): { epoch: number; valAccuracy: number } | null {
  let best: { epoch: number; valAccuracy: number } | null = null;
  for (const e of run.epochs) {
    if (e.valAccuracy !== undefined && (!best || e.valAccuracy > best.valAccuracy)) {
      best = { epoch: e.epoch, valAccuracy: e.valAccuracy };
    }
  }
  return best;
}

/** Wall time of a run in seconds: provenance when ended, else the epochs' elapsed time. */
export function wallSeconds(run: RunData): number | null {
  const w = run.provenance?.wallSeconds;
  if (typeof w === "number") return w;
  const last = run.epochs[run.epochs.length - 1];
  return last ? last.totalElapsedMs / 1000 : null;
}

function statsHtml(run: RunData): string {
  const last = run.epochs[run.epochs.length - 1];
  const best = bestEpoch(run);
  const ev = run.evaluation;
  const total = last?.epochs ?? (run.config?.train as { epochs?: number } | undefined)?.epochs;
  return `<div class="stats" id="stats">${
    [
      ev ? stat(pct(ev.top1, 2), `test top-1 (${ev.count} images)`) : "",
      ev ? stat(pct(ev.top5, 2), "test top-5") : "",
      ev ? stat(ev.loss.toFixed(4), "test loss") : "",
      best ? stat(pct(best.valAccuracy, 2), `best validation top-1 (epoch ${best.epoch})`) : "",
      stat(`${last?.epoch ?? 0}${total ? ` / ${total}` : ""}`, "epochs done"),
      last ? stat(last.loss.toFixed(4), "last training loss") : "",
      last ? stat(String(Math.round(last.imagesPerSecond)), "images/s (last epoch)") : "",
      stat(esc(duration(wallSeconds(run))), "wall time"),
    ].join("")
  }</div>`;
}

function summaryHtml(run: RunData): string {
  const s = run.summary;
  if (!s) return `<p class="note">No spec.json in the run folder.</p>`;
  const n = (v: number) => v.toLocaleString("en-US");
  const rows = s.rows.map((r) => [
    `<code>${esc(r.path)}</code>`,
    esc(r.layer),
    esc(`[${r.outputShape.join(", ")}]`),
    n(r.params),
    r.trainable ? "yes" : "frozen",
  ]);
  return `<p>${esc(s.name)}, input [${s.inputShape.join(", ")}]: ${n(s.total)} parameters, ${
    n(s.trainable)
  } trainable, ${n(s.nonTrainable)} frozen${s.buffers ? `, ${n(s.buffers)} buffers` : ""}.</p>
<details${s.rows.length <= 40 ? " open" : ""}><summary>${s.rows.length} layers</summary>${
    table(["path", "layer", "output shape", "parameters", "trainable"], rows, {
      id: "model-summary",
      numeric: [3],
      rowClass: (i) => (s.rows[i]!.trainable ? "" : "frozen"),
    })
  }</details>`;
}

/** Provenance as a two-column table. */
export function provenanceHtml(p: Record<string, unknown> | null): string {
  if (!p) return `<p class="note">No provenance.json in the run folder.</p>`;
  const backend = (p.backend ?? {}) as Record<string, unknown>;
  const machine = (p.machine ?? {}) as Record<string, unknown>;
  const v = (x: unknown) => (x === null || x === undefined || x === "" ? "–" : esc(x));
  const rows: [string, string][] = [
    ["Graft", v(p.graft)],
    ["git commit", v(p.gitCommit)],
    ["Deno", `${v(p.deno)} (V8 ${v(p.v8)}, TypeScript ${v(p.typescript)})`],
    ["TensorFlow.js", v(p.tfjs)],
    [
      "backend",
      `${v(backend.chosen)} (asked for ${v(backend.requested)}, TensorFlow.js backend ${
        v(backend.tfBackend)
      })`,
    ],
    ["backend libraries / adapter", v(backend.detail)],
    [
      "machine",
      `${v(machine.cpu)}, ${v(machine.cores)} cores, ${v(machine.memoryGiB)} GiB, ${
        v(machine.os)
      } ${v(machine.arch)}`,
    ],
    ["command", `<code>${esc(((p.args as string[] | undefined) ?? []).join(" ") || "–")}</code>`],
    ["started", v(p.startedAt)],
    ["ended", v(p.endedAt)],
    ["wall time", esc(duration(p.wallSeconds as number | null))],
  ];
  return table(["", ""], rows.map(([k, x]) => [esc(k), x]), { id: "provenance" });
}

/** The HTML of one run's report. */
export async function runReportHtml(run: RunData): Promise<string> {
  const charts = await runCharts(run.epochs, run.steps);
  const ev = run.evaluation;
  const sections: string[] = [statsHtml(run)];
  if (run.reason && run.status !== "finished" && run.status !== "live") {
    sections.push(`<div class="reason">${esc(run.reason)}</div>`);
  }
  sections.push(
    `<h2>Training</h2>`,
    charts.length
      ? `<div class="grid">${charts.map(figure).join("")}</div>`
      : `<p class="note">No epoch finished yet.</p>`,
  );
  sections.push(`<h2>Test set</h2>`);
  if (ev) {
    const [conf, per] = await Promise.all([
      confusionChart(ev.confusion, ev.classes),
      perClassChart(ev.classes.map((c) => ev.perClass[c] ?? null), ev.classes),
    ]);
    sections.push(`<div class="grid">${figure(conf)}${figure(per)}</div>`);
  } else {
    sections.push(
      `<p class="note">The test set is evaluated once, when training ends; its confusion matrix, per-class accuracy and most wrong images appear here then.</p>`,
    );
  }
  if (run.mistakes.length) {
    sections.push(
      `<h2>Most confidently wrong test images</h2><div class="mistakes" id="mistakes">${
        run.mistakes.map((m) =>
          `<figure><img src="${m.image}" alt="test image ${m.index}: ${esc(m.label)} taken for ${
            esc(m.predicted)
          }"><div>true <span class="t">${esc(m.label)}</span></div><div>predicted <span class="p">${
            esc(m.predicted)
          }</span></div><div>${pct(m.confidence)} sure · #${m.index}</div></figure>`
        ).join("")
      }</div>`,
    );
  }
  sections.push(`<h2>Model</h2>`, summaryHtml(run));
  sections.push(
    `<h2>Config</h2>`,
    run.configText
      ? `<pre id="config">${esc(run.configText)}</pre>`
      : `<p class="note">No config.yaml in the run folder.</p>`,
  );
  sections.push(`<h2>Provenance</h2>`, provenanceHtml(run.provenance));
  const updated = new Date().toISOString().replace("T", " ").slice(0, 19);
  return page({
    title: `${run.name} · Graft run`,
    heading: run.name,
    status: run.status,
    subtitle: `Run folder <code>${esc(run.dir)}</code> · report written ${updated} UTC${
      run.status === "live" ? ` · reloads every ${RELOAD_SECONDS} s while training` : ""
    }`,
    body: sections.join("\n"),
  });
}

/**
 * Writes `report.html` into a run folder (atomically), from what the folder holds. `status`
 * says what the writer knows (the training process passes `live`); otherwise the folder says.
 * Returns the file's path.
 *
 * @example
 * ```ts ignore
 * import { writeRunReport } from "@graft/graft/report";
 * const file = await writeRunReport("runs/demo");
 * console.log(file); // runs/demo/report.html
 * ```
 */
export async function writeRunReport(
  dir: string,
  options: { status?: RunStatus; reason?: string; out?: string } = {},
): Promise<string> {
  const run = await readRun(dir, options.status, options.reason);
  const out = options.out ?? join(dir, "report.html");
  await writeAtomic(out, await runReportHtml(run));
  return out;
}
