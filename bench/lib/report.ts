/** The results of a run: the table with ratios and targets (markdown), the JSON, the chart. */
import type { Sample } from './scenarios.js';
import { COLUMN_LABELS, type Column, type ScaleSetup, type ServerName } from './session.js';
import { type Spread, spread } from './stats.js';

const SERVERS: ServerName[] = ['raw', 'socketio', 'yoga', 'switchboard'];
const PEERS: ServerName[] = ['raw', 'socketio', 'yoga'];
const SCALE: ScaleSetup[] = ['pg-redis-1', 'pg-redis-2'];

interface Row {
  scenario: string;
  metric: string;
  label: string;
  higherIsBetter: boolean;
}

export const ROWS: Row[] = [
  {
    scenario: 'i',
    metric: 'delivered/s',
    label: '(i) 10 rooms × 100, closed loop: delivered/s',
    higherIsBetter: true,
  },
  { scenario: 'i', metric: 'p50 ms', label: '(i) round trip p50 (ms)', higherIsBetter: false },
  { scenario: 'i', metric: 'p99 ms', label: '(i) round trip p99 (ms)', higherIsBetter: false },
  {
    scenario: 'i',
    metric: 'server CPU %',
    label: '(i) server CPU (% of its core)',
    higherIsBetter: false,
  },
  {
    scenario: 'i',
    metric: 'load CPU %',
    label: '(i) load client CPU (% of its core)',
    higherIsBetter: false,
  },
  {
    scenario: 'i-rate',
    metric: 'p99 ms',
    label: '(i-rate) 100 sends/s: round trip p99 (ms)',
    higherIsBetter: false,
  },
  {
    scenario: 'ii',
    metric: 'delivered %',
    label: '(ii) one big room, 20 sends/s: delivered (%)',
    higherIsBetter: true,
  },
  { scenario: 'ii', metric: 'p99 ms', label: '(ii) round trip p99 (ms)', higherIsBetter: false },
  {
    scenario: 'iii',
    metric: 'KB/connection',
    label: '(iii) idle subscribed connection: RSS (KB)',
    higherIsBetter: false,
  },
  {
    scenario: 'iv',
    metric: 'sends/s',
    label: '(iv) durable sends/s, 50 senders',
    higherIsBetter: true,
  },
  { scenario: 'iv', metric: 'ack p99 ms', label: '(iv) ack p99 (ms)', higherIsBetter: false },
  { scenario: 'v', metric: 'messages/s', label: '(v) replay: messages/s', higherIsBetter: true },
  {
    scenario: 'v',
    metric: 'peak RSS MB',
    label: '(v) replay: peak server RSS (MB)',
    higherIsBetter: false,
  },
  {
    scenario: 'v',
    metric: 'RSS growth MB',
    label: '(v) replay: RSS growth (MB)',
    higherIsBetter: false,
  },
  {
    scenario: 'vi',
    metric: 'p50 ms',
    label: '(vi) roomHistory page p50 (ms); plain Yoga: `{ ok }`',
    higherIsBetter: false,
  },
  {
    scenario: 'vi',
    metric: 'p99 ms',
    label: '(vi) roomHistory page p99 (ms); plain Yoga: `{ ok }`',
    higherIsBetter: false,
  },
];

/** Scenario `scale`: the load of (i) and (i-rate) on PostgreSQL + Redis, ×2 against ×1. */
export const SCALE_ROWS: Row[] = [
  {
    scenario: 'scale-i',
    metric: 'delivered/s',
    label: 'scale (i) closed loop: delivered/s',
    higherIsBetter: true,
  },
  {
    scenario: 'scale-i',
    metric: 'p50 ms',
    label: 'scale (i) round trip p50 (ms)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i',
    metric: 'p99 ms',
    label: 'scale (i) round trip p99 (ms)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i',
    metric: 'far p99 ms',
    label: 'scale (i) send to another client p99 (ms)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i',
    metric: 'server CPU %',
    label: 'scale (i) server CPU, instances summed (% of core 0)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i',
    metric: 'load CPU %',
    label: 'scale (i) load client CPU (% of its core)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i',
    metric: 'RSS 1 MB',
    label: 'scale (i) peak RSS, instance 1 (MB)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i',
    metric: 'RSS 2 MB',
    label: 'scale (i) peak RSS, instance 2 (MB)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i-rate',
    metric: 'p99 ms',
    label: 'scale (i-rate) 100 sends/s: round trip p99 (ms)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i-rate',
    metric: 'far p99 ms',
    label: 'scale (i-rate) send to another client p99 (ms)',
    higherIsBetter: false,
  },
  {
    scenario: 'scale-i-rate',
    metric: 'delivered %',
    label: 'scale (i-rate) delivered (%)',
    higherIsBetter: true,
  },
  {
    scenario: 'scale-i-rate',
    metric: 'server CPU %',
    label: 'scale (i-rate) server CPU, instances summed (% of core 0)',
    higherIsBetter: false,
  },
];

/** What the scale table's figures are, under it in results.md. */
export const SCALE_NOTE = [
  'Scale-out: Switchboard on PostgreSQL + Redis under the load of (i) and (i-rate). ×2 is two',
  'instances on the same schema and Redis, client j of a room on instance j % 2 and senders on',
  'both, so every message reaches half its room through Redis. Both instances run on core 0, the',
  'CPU every other server gets, the load client on core 1; PostgreSQL and Redis are system',
  'services, unpinned, and their CPU is not counted. On a 2-core machine a second instance cannot',
  "get a core of its own without taking the load client's: ×2 shows what distributing costs",
  'under an equal CPU budget, not added capacity. Round trip: a sender to its own message on its',
  'own instance; "to another client": from a send to its arrival at a client of the room on the',
  'other instance (×2) or the same one (×1). Ratios are ×2 over ×1.',
].join(' ');

export type Summary = Record<string, Partial<Record<Column, Spread>>>;

const key = (scenario: string, metric: string) => `${scenario} ${metric}`;

/** The rows of each table with its columns. */
const TABLES: { rows: Row[]; columns: Column[] }[] = [
  { rows: ROWS, columns: SERVERS },
  { rows: SCALE_ROWS, columns: SCALE },
];

export function summarize(samples: readonly Sample[]): Summary {
  const summary: Summary = {};
  for (const { rows, columns } of TABLES) summarizeRows(samples, rows, columns, summary);
  return summary;
}

function summarizeRows(
  samples: readonly Sample[],
  rows: Row[],
  columns: Column[],
  summary: Summary,
): void {
  for (const row of rows) {
    const cell: Partial<Record<Column, Spread>> = {};
    for (const server of columns) {
      const values = samples
        .filter(
          (s) => s.scenario === row.scenario && s.metric === row.metric && s.server === server,
        )
        .map((s) => s.value)
        .filter((v) => Number.isFinite(v));
      const result = spread(values);
      if (result) cell[server] = result;
    }
    summary[key(row.scenario, row.metric)] = cell;
  }
}

function format(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

const cellText = (s: Spread | undefined) =>
  s
    ? s.runs.length > 1
      ? `${format(s.median)} (${format(s.min)}..${format(s.max)})`
      : format(s.median)
    : '–';

const median = (summary: Summary, scenario: string, metric: string, server: Column) =>
  summary[key(scenario, metric)]?.[server]?.median;

export interface TargetResult {
  target: string;
  value: string;
  met: boolean | undefined;
  note: string;
}

/** The targets of issue 4, judged on the medians of this run. */
export function judgeTargets(summary: Summary): TargetResult[] {
  const results: TargetResult[] = [];
  const m = (scenario: string, metric: string, server: ServerName) =>
    median(summary, scenario, metric, server);
  /** ours ≥ factor × theirs (higher is better) or ours ≤ factor × theirs. */
  const ratio = (
    target: string,
    scenario: string,
    metric: string,
    peer: ServerName,
    factor: number,
    higher: boolean,
  ) => {
    const ours = m(scenario, metric, 'switchboard');
    const theirs = m(scenario, metric, peer);
    if (ours === undefined || theirs === undefined || theirs === 0) {
      results.push({ target, value: 'not measured', met: undefined, note: '' });
      return;
    }
    const r = ours / theirs;
    const met = higher ? r >= factor : r <= factor;
    const gap = higher ? factor / r : r / factor;
    results.push({
      target,
      value: `${format(ours)} vs ${format(theirs)}: ${r.toFixed(2)}×`,
      met,
      note: met ? '' : higher ? `short by ${gap.toFixed(1)}×` : `over by ${gap.toFixed(1)}×`,
    });
  };
  const absolute = (
    target: string,
    scenario: string,
    metric: string,
    goal: number,
    higher: boolean,
  ) => {
    const ours = m(scenario, metric, 'switchboard');
    if (ours === undefined) {
      results.push({ target, value: 'not measured', met: undefined, note: '' });
      return;
    }
    const met = higher ? ours >= goal : ours <= goal;
    const gap = higher ? goal / ours : ours / goal;
    results.push({
      target,
      value: format(ours),
      met,
      note: met ? '' : higher ? `short by ${gap.toFixed(1)}×` : `over by ${gap.toFixed(1)}×`,
    });
  };
  ratio('(i) delivered/s ≥ Socket.IO', 'i', 'delivered/s', 'socketio', 1, true);
  ratio('(i) delivered/s ≥ 4× plain Yoga', 'i', 'delivered/s', 'yoga', 4, true);
  ratio('(i-rate) p99 ≤ 2× raw ws', 'i-rate', 'p99 ms', 'raw', 2, false);
  const share = m('ii', 'delivered %', 'switchboard');
  results.push({
    target: '(ii) every message delivered',
    value: share === undefined ? 'not measured' : `${format(share)}%`,
    met: share === undefined ? undefined : share >= 100,
    note: share !== undefined && share < 100 ? `${format(100 - share)}% lost or late` : '',
  });
  ratio('(ii) p99 ≤ raw ws', 'ii', 'p99 ms', 'raw', 1, false);
  ratio('(iii) memory per connection ≤ 1.5× raw ws', 'iii', 'KB/connection', 'raw', 1.5, false);
  absolute('(iv) ≥ 15,000 durable sends/s', 'iv', 'sends/s', 15_000, true);
  absolute('(v) ≥ 100,000 replayed messages/s', 'v', 'messages/s', 100_000, true);
  absolute('(v) flat memory (RSS growth ≤ 32 MB)', 'v', 'RSS growth MB', 32, false);
  absolute('(vi) roomHistory p99 ≤ 5 ms', 'vi', 'p99 ms', 5, false);
  return results;
}

export function markdown(summary: Summary, targets: TargetResult[], heading: string): string {
  const lines: string[] = [heading, ''];
  lines.push(
    `| scenario | ${SERVERS.map((s) => COLUMN_LABELS[s]).join(' | ')} | ${PEERS.map((p) => `ours / ${COLUMN_LABELS[p]}`).join(' | ')} |`,
  );
  lines.push(`|---|${SERVERS.map(() => '---:').join('|')}|${PEERS.map(() => '---:').join('|')}|`);
  for (const row of ROWS) {
    const cell = summary[key(row.scenario, row.metric)] ?? {};
    const ours = cell.switchboard?.median;
    const ratios = PEERS.map((p) => {
      const theirs = cell[p]?.median;
      return ours !== undefined && theirs !== undefined && theirs !== 0
        ? `${(ours / theirs).toFixed(2)}×`
        : '–';
    });
    lines.push(
      `| ${row.label} | ${SERVERS.map((s) => cellText(cell[s])).join(' | ')} | ${ratios.join(' | ')} |`,
    );
  }
  lines.push(
    '',
    "Medians of the runs, with min..max. Ratios are Switchboard's median over the peer's.",
    '',
  );
  lines.push(...scaleTable(summary), '', SCALE_NOTE, '');
  lines.push('| target (issue 4) | measured | met? | note |', '|---|---|---|---|');
  for (const t of targets) {
    lines.push(
      `| ${t.target} | ${t.value} | ${t.met === undefined ? '–' : t.met ? 'met' : 'missed'} | ${t.note} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Scenario `scale`: ×1 and ×2 with the ratio of their medians. */
function scaleTable(summary: Summary): string[] {
  const [one, two] = SCALE as [ScaleSetup, ScaleSetup];
  const lines = [
    `| scale-out (PostgreSQL + Redis) | ${COLUMN_LABELS[one]} | ${COLUMN_LABELS[two]} | ×2 / ×1 |`,
    '|---|---:|---:|---:|',
  ];
  for (const row of SCALE_ROWS) {
    const cell = summary[key(row.scenario, row.metric)] ?? {};
    const base = cell[one]?.median;
    const other = cell[two]?.median;
    const ratio =
      base !== undefined && other !== undefined && base !== 0
        ? `${(other / base).toFixed(2)}×`
        : '–';
    lines.push(`| ${row.label} | ${cellText(cell[one])} | ${cellText(cell[two])} | ${ratio} |`);
  }
  return lines;
}

const COLORS: Record<Column, string> = {
  raw: '#7f8c8d',
  socketio: '#2980b9',
  yoga: '#e67e22',
  switchboard: '#27ae60',
  'pg-redis-1': '#8e44ad',
  'pg-redis-2': '#c0392b',
};

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars per scenario row: the median, a whisker from min to max, the value. */
export function svgChart(summary: Summary, title: string): string {
  const width = 900;
  // Room for the longest column label ("Switchboard PG+Redis ×1").
  const left = 150;
  const barArea = 600;
  const barHeight = 14;
  const parts: string[] = [];
  let y = 40;
  for (const { row, columns } of TABLES.flatMap((t) =>
    t.rows.map((r) => ({ row: r, columns: t.columns })),
  )) {
    const cell = summary[key(row.scenario, row.metric)] ?? {};
    const present = columns.filter((s) => cell[s]);
    if (present.length === 0) continue;
    const scale = Math.max(...present.map((s) => cell[s]?.max ?? 0)) || 1;
    parts.push(
      `<text x="10" y="${y + 12}" font-weight="bold">${escapeXml(row.label)}${row.higherIsBetter ? ' (higher is better)' : ' (lower is better)'}</text>`,
    );
    y += 20;
    for (const server of present) {
      const s = cell[server];
      if (!s) continue;
      const w = (s.median / scale) * barArea;
      parts.push(
        `<text x="10" y="${y + 11}">${escapeXml(COLUMN_LABELS[server])}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLORS[server]}"/>`,
        `<line x1="${(left + (s.min / scale) * barArea).toFixed(1)}" x2="${(left + (s.max / scale) * barArea).toFixed(1)}" y1="${y + barHeight / 2}" y2="${y + barHeight / 2}" stroke="#000" stroke-width="1"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 11}">${format(s.median)}</text>`,
      );
      y += barHeight + 4;
    }
    y += 10;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>
${parts.join('\n')}
</svg>
`;
}
