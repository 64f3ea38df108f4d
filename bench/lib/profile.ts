/** Summarises a V8 .cpuprofile: the functions with the most self time. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a function's self time goes: a package, our src/, Node's core, or V8 itself. */
function packageOf(frame: ProfileNode['callFrame']): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1];
  if (pkg) return pkg;
  if (frame.url.includes('/src/')) return 'switchboard src/';
  if (frame.url.startsWith('node:')) return 'node core (JavaScript)';
  if (frame.url === '' && frame.functionName.startsWith('(')) return frame.functionName;
  if (frame.url === '') return 'native (writev, microtask queue, …)';
  return shortUrl(frame.url);
}

const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/(src|bench)\//, '$1/');

/**
 * Markdown: the top `limit` functions by self time, and the share of each top package, over
 * the samples between `window.from` and `window.to` ms after the profile started (the
 * process's start, within a few ms), or all of them.
 */
export function summarizeProfile(
  path: string,
  limit: number,
  window?: { from: number; to: number },
): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.from * 1000 || at > window.to * 1000)) return;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '(native)';
    const name = `${frame.functionName || '(anonymous)'} ${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPackage.set(packageOf(frame), (byPackage.get(packageOf(frame)) ?? 0) + micros);
  }
  const pct = (micros: number) => `${((micros / total) * 100).toFixed(1)}%`;
  const lines = [
    `## CPU profile of the Switchboard server, scenario (i)`,
    '',
    `${(total / 1e6).toFixed(1)} s of samples${window ? ' during the measured phase' : ''}. Top functions by self time (native code is counted in the JavaScript function that called it: better-sqlite3's statements in kysely's \`executeQuery\`):`,
    '',
    '| self | function |',
    '|---:|---|',
    ...[...byFunction.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, micros]) => `| ${pct(micros)} | \`${name}\` |`),
    '',
    'Self time by package:',
    '',
    '| self | package |',
    '|---:|---|',
    ...[...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, micros]) => `| ${pct(micros)} | ${name} |`),
  ];
  return `${lines.join('\n')}\n`;
}
