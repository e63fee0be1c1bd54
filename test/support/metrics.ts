import { parsePrometheusText, type Sample } from '../../common/metrics/prometheus-text.js';
import { http } from './http.js';

/**
 * The samples named `name` on the `/metrics` page of the process at `baseUrl` whose labels
 * include every one of `labels`. Throws when the page does not answer 200: a test reading a
 * counter from a process that is gone should say so, not read 0.
 */
export async function scrapeSamples(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<Sample[]> {
  const answer = await http<string>('GET', `${baseUrl}/metrics`);
  if (answer.status !== 200) throw new Error(`${baseUrl}/metrics answered ${answer.status}`);
  const wanted = Object.entries(labels);
  return parsePrometheusText(answer.body, (sample) => sample === name).filter((sample) =>
    wanted.every(([label, value]) => sample.labels[label] === value),
  );
}

/** The sum of those samples' values: 0 when there are none (a counter not yet incremented). */
export async function scrapeSum(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return (await scrapeSamples(baseUrl, name, labels)).reduce((sum, sample) => sum + sample.value, 0);
}
