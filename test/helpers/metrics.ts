import type { TestServer } from './server.js';

/** The value of one series in Prometheus text output, or undefined when it is absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** One series read from the server's /metrics now. */
export async function metricOf(server: TestServer, series: string): Promise<number | undefined> {
  const response = await fetch(new URL('/metrics', server.url));
  return sample(await response.text(), series);
}
