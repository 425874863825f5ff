// Opens a page in headless Chromium (Debian's /usr/bin/chromium) through puppeteer-core, the way
// a person would look at a report: collects console errors and what is on the page, and saves a
// full-page screenshot.
import puppeteer from "puppeteer-core";
import { chromiumPath } from "./_requires.ts";

/** What the page showed. */
export interface PageView {
  /** Console errors, failed requests and uncaught exceptions. */
  readonly errors: string[];
  /** Ids of `figure.chart` elements that hold an SVG with drawn marks. */
  readonly charts: string[];
  /** Images of the mistakes grid that loaded (natural width > 0), and all of them. */
  readonly imagesLoaded: number;
  readonly images: number;
  /** The page's visible text. */
  readonly text: string;
  /** Whether the page asks the browser to reload it. */
  readonly reloads: boolean;
}

/** Loads `file` at 1280 px wide, saves a full-page PNG to `screenshot`, and reports. */
export async function viewPage(file: string, screenshot: string): Promise<PageView> {
  const browser = await puppeteer.launch({
    executablePath: chromiumPath()!,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--hide-scrollbars"],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`file://${file}`, { waitUntil: "load" });
    const charts = await page.$$eval(
      "figure.chart",
      (els) => els.filter((e) => e.querySelector("svg path, svg rect")).map((e) => e.id),
    );
    const [imagesLoaded, images] = await page.$$eval("#mistakes img", (els) => [
      els.filter((e) => (e as unknown as { naturalWidth: number }).naturalWidth > 0).length,
      els.length,
    ]);
    const text = await page.$eval("body", (b) => (b as unknown as { innerText: string }).innerText);
    const reloads = await page.$$eval('meta[http-equiv="refresh"]', (els) => els.length > 0);
    await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
    return { errors, charts, imagesLoaded: imagesLoaded!, images: images!, text, reloads };
  } finally {
    await browser.close();
  }
}
