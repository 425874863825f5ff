// The HTML around the charts: one self-contained page (inline CSS, inline SVG, data-URL images,
// no script), refreshed by the browser every few seconds while the run is live.
import type { RunStatus } from "./run_data.ts";

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Seconds between reloads of a live report. */
export const RELOAD_SECONDS = 10;

const CSS = `
:root { color-scheme: light; --fg: #1d1f23; --muted: #5f6670; --line: #e3e5e8; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 18px 28px 14px; }
header h1 { font-size: 20px; margin: 0 0 4px; font-weight: 600; }
header .sub { color: var(--muted); font-size: 13px; }
main { padding: 8px 28px 40px; max-width: 1280px; }
h2 { font-size: 16px; margin: 28px 0 10px; font-weight: 600; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px;
  font-weight: 600; vertical-align: 3px; margin-left: 8px; letter-spacing: .02em; }
.badge.live { background: #dff5e3; color: #146c2e; }
.badge.finished { background: #e3ecfb; color: #1a4fa0; }
.badge.failed { background: #fde2e1; color: #a4161a; }
.badge.stopped { background: #fff1d6; color: #8a5300; }
.note { color: var(--muted); }
.reason { background: #fde2e1; color: #a4161a; padding: 8px 12px; border-radius: 6px; margin-top: 10px; }
.stats { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 16px; }
.stat { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
  min-width: 130px; }
.stat .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat .k { color: var(--muted); font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 12px; overflow-x: auto; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { max-width: 100%; height: auto; }
.mistakes { display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr)); gap: 10px; }
.mistakes figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 8px; text-align: center; font-size: 12px; }
.mistakes img { width: 96px; height: 96px; image-rendering: pixelated; display: block;
  margin: 0 auto 6px; border-radius: 3px; }
.mistakes .t { color: #146c2e; } .mistakes .p { color: #a4161a; font-weight: 600; }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line);
  font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: #fafbfc; font-weight: 600; }
td.num { text-align: right; }
tr.frozen td { color: var(--muted); }
tr.diff td { background: #fff7d1; }
pre { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px;
  overflow-x: auto; font-size: 12.5px; }
details > summary { cursor: pointer; margin: 6px 0; }
code { font-size: 12.5px; }
`;

/** A whole page: title, header (name, status, subtitle), and body HTML. */
export function page(options: {
  title: string;
  heading: string;
  status?: RunStatus;
  subtitle: string;
  body: string;
}): string {
  const live = options.status === "live";
  const badge = options.status
    ? `<span class="badge ${options.status}" id="status">${options.status}</span>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${live ? `<meta http-equiv="refresh" content="${RELOAD_SECONDS}">\n` : ""}<title>${
    esc(options.title)
  }</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(options.heading)}${badge}</h1><div class="sub">${options.subtitle}</div></header>
<main>
${options.body}
</main>
</body>
</html>
`;
}

/** A table from a header row and body rows of already-escaped cells. */
export function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: { id?: string; numeric?: readonly number[]; rowClass?: (i: number) => string } = {},
): string {
  const num = new Set(options.numeric ?? []);
  const cls = (i: number) => (num.has(i) ? ` class="num"` : "");
  return `<table${options.id ? ` id="${options.id}"` : ""}><thead><tr>${
    head.map((h, i) => `<th${cls(i)}>${h}</th>`).join("")
  }</tr></thead><tbody>${
    rows.map((r, ri) => {
      const rc = options.rowClass?.(ri);
      return `<tr${rc ? ` class="${rc}"` : ""}>${
        r.map((c, i) => `<td${cls(i)}>${c}</td>`).join("")
      }</tr>`;
    }).join("")
  }</tbody></table>`;
}

/** `12.3%`. */
export const pct = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || Number.isNaN(v) ? "–" : `${(v * 100).toFixed(digits)}%`;

/** `1h 02m 03s`, `2m 03s` or `4.5 s`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}h ${two(m)}m ${two(r)}s` : `${m}m ${two(r)}s`;
}
