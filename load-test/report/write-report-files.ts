import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadReport } from '../load-report.js';
import { renderHtmlReport } from './render-html-report.js';

/** `2025-11-25T13:27:51.123Z` → `2025-11-25T13-27-51.123Z`: an ISO time that is a portable file name. */
export const fileStamp = (iso: string): string => iso.replace(/:/g, '-');

/** Writes `<ISO time>-<scenario>.json` and `.html` into `dir` (created if missing). */
export async function writeReportFiles(
  report: LoadReport,
  dir: string,
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${fileStamp(report.startedAt)}-${report.scenario}`);
  const json = `${base}.json`;
  const html = `${base}.html`;
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderHtmlReport(report));
  return { json, html };
}
