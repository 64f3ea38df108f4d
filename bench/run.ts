/**
 * `npm run bench`: Switchboard against raw ws, Socket.IO and plain Yoga on the scenarios of
 * issue 4, servers on core 0 and the load on core 1, peers interleaved run after run; then
 * Switchboard scaled out (PostgreSQL + Redis, one instance against two: scenario `scale`).
 * `-- --quick` shrinks sizes and durations (one run, under 3 minutes); `-- --profile` runs
 * scenario (i) once against Switchboard under `node --cpu-prof` and prints its top functions.
 * Results: bench/results/ (full runs) or bench/results/quick/, and BENCHMARKS.md (full runs).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { summarizeProfile } from './lib/profile.js';
import { judgeTargets, markdown, summarize, svgChart } from './lib/report.js';
import { SCALE_SETUPS, type SharedServices, scaleSession, sharedServices } from './lib/scale.js';
import {
  bigRoomSession,
  type Context,
  durableSession,
  FULL,
  historyReferenceSession,
  historySession,
  QUICK,
  replaySession,
  roomsSession,
  type Sample,
} from './lib/scenarios.js';
import {
  COLUMN_LABELS,
  runLoad,
  type ServerName,
  startServer,
  stopServer,
  switchboardCheckout,
} from './lib/session.js';
import { buildTemplate, headCursor, type Template } from './lib/switchboard.js';

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
/**
 * `--only=i,ii,iv,v,vi,scale`, `--servers=raw,switchboard` and `--runs=N` pick parts, for
 * development (`scale` is Switchboard's: it runs when `--servers` includes switchboard).
 */
const listOption = (name: string) =>
  process.argv
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(',');
const only = listOption('only');
const servers = listOption('servers') as ServerName[] | undefined;
const runsOption = listOption('runs')?.[0];
/** `--switchboard=DIR` runs another checkout's server (e.g. a branch before it is merged). */
const checkout = listOption('switchboard')?.[0];
if (checkout) switchboardCheckout.dir = resolve(checkout);
const partial =
  only !== undefined || servers !== undefined || runsOption !== undefined || checkout !== undefined;
const wanted = (part: string) => only === undefined || only.includes(part);
const sizes = { ...(quick ? QUICK : FULL), ...(runsOption ? { runs: Number(runsOption) } : {}) };
const startedAt = new Date();
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadAtStart = loadAverage();
const workDir = join('bench', 'tmp', `run-${startedAt.getTime()}`);
// Only a whole full run replaces the committed results.
const resultsDir = quick || partial ? join('bench', 'results', 'quick') : join('bench', 'results');
mkdirSync(workDir, { recursive: true });
mkdirSync(resultsDir, { recursive: true });

const log = (line: string) => console.log(line);
const samples: Sample[] = [];
const phases: Record<string, unknown>[] = [];
let currentRun = 0;
const failures: string[] = [];
/** Scenarios that could not run at all (PostgreSQL or Redis unreachable), with why. */
const skipped: string[] = [];
let scaleServices: SharedServices | undefined;

/**
 * The prepared databases, built once per sizes and migrations and kept in bench/tmp/templates/
 * (each session still runs on its own fresh copy).
 */
async function templates(): Promise<Pick<Context, 'base' | 'stored'>> {
  // Scenario `scale` builds its own data in PostgreSQL: alone, it needs no SQLite files.
  if (!profile && !['i', 'ii', 'iv', 'v', 'vi'].some(wanted)) {
    const none: Template = { path: '', tokens: [], rooms: {} };
    return { base: none, stored: none };
  }
  const migrations = readdirSync('migrations').map(
    (f) => `${f}:${statSync(join('migrations', f)).size}`,
  );
  const relevant = [
    sizes.rooms,
    sizes.roomSize,
    sizes.bigRoom,
    sizes.replayMessages,
    sizes.historyMessages,
  ];
  const key = createHash('sha256')
    .update(JSON.stringify([relevant, migrations]))
    .digest('hex')
    .slice(0, 16);
  const dir = join('bench', 'tmp', 'templates', key);
  const index = join(dir, 'templates.json');
  if (existsSync(index)) {
    log(`templates: reusing ${dir}`);
    return JSON.parse(readFileSync(index, 'utf8')) as Pick<Context, 'base' | 'stored'>;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const built = await buildTemplates(dir);
  writeFileSync(index, JSON.stringify(built));
  return built;
}

async function buildTemplates(dir: string): Promise<Pick<Context, 'base' | 'stored'>> {
  const started = performance.now();
  const users = Math.max(sizes.bigRoom, sizes.rooms * sizes.roomSize);
  const base = await buildTemplate(join(dir, 'base.sqlite'), users, [
    ...Array.from({ length: sizes.rooms }, (_, k) => ({
      name: `r${k}`,
      members: Array.from({ length: sizes.roomSize }, (_, j) => k * sizes.roomSize + j + 1),
      maxMembers: sizes.roomSize,
    })),
    {
      name: 'big',
      members: Array.from({ length: sizes.bigRoom }, (_, j) => j + 1),
      maxMembers: 10_000,
    },
  ]);
  const stored = await buildTemplate(join(dir, 'stored.sqlite'), 2, [
    { name: 'replay', members: [1, 2], maxMembers: 100, messages: sizes.replayMessages },
    { name: 'history', members: [1, 2], maxMembers: 100, messages: sizes.historyMessages },
  ]);
  log(
    `templates: ${users} users, ${sizes.historyMessages} stored messages, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { base, stored };
}

/** One scenario session; a failure is reported and the benchmark goes on. */
async function attempt(what: string, session: () => Promise<void>): Promise<void> {
  try {
    await session();
  } catch (error) {
    const message = `${what} (run ${currentRun}): ${error instanceof Error ? error.message : String(error)}`;
    failures.push(message);
    log(`  FAILED ${message}`);
  }
}

function versions(): Record<string, string> {
  const read = (name: string) =>
    (
      JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  const out: Record<string, string> = { node: process.version };
  for (const name of [
    'ws',
    'socket.io',
    'graphql',
    'graphql-yoga',
    'graphql-ws',
    'better-sqlite3',
    'kysely',
    'pg',
    'ioredis',
    'tsx',
  ]) {
    out[name] = read(name);
  }
  return out;
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: execFileSync('nproc').toString().trim(),
    cpu: model,
    memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadAverage(),
  };
}

async function runProfile(ctx: Context): Promise<void> {
  const profDir = join(workDir, 'profile');
  mkdirSync(profDir, { recursive: true });
  let window: { from: number; to: number } | undefined;
  const server = await startServer('switchboard', {
    template: ctx.base.path,
    workDir,
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
  });
  try {
    const roomIds = Array.from({ length: sizes.rooms }, (_, k) => ctx.base.rooms[`r${k}`] ?? '');
    const heads = await Promise.all(
      roomIds.map((id) => headCursor(server.url, ctx.base.tokens[0] ?? '', id)),
    );
    const clients = roomIds.flatMap((id, k) =>
      Array.from({ length: sizes.roomSize }, (_, j) => ({
        room: id,
        token: ctx.base.tokens[k * sizes.roomSize + j],
        after: heads[k],
      })),
    );
    const outcome = await runLoad(
      server,
      {
        protocol: 'graphql-ws',
        port: server.port,
        clients,
        senders: roomIds.map((_, k) => (k + 1) * sizes.roomSize - 1),
        probe: true,
        phases: [{ name: 'i', kind: 'closed', warmupSeconds: 2, seconds: 15 }],
      },
      workDir,
      120_000,
    );
    const phase = outcome.phases.i;
    if (!phase) throw new Error('phase i missing');
    log(`profiled (i): ${Math.round(phase.deliveredPerSecond)} delivered/s`);
    window = { from: phase.startedAt - server.spawnedAt, to: phase.endedAt - server.spawnedAt };
  } finally {
    await stopServer(server);
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  // Kept (not committed) for a closer look: bench/tmp/latest.cpuprofile.
  copyFileSync(join(profDir, file), join('bench', 'tmp', 'latest.cpuprofile'));
  const summary = summarizeProfile(join(profDir, file), 25, window);
  // Always beside the full results: the profile is of scenario (i) whatever the sizes.
  writeFileSync(join('bench', 'results', 'profile.md'), summary);
  log(summary);
}

async function main(): Promise<void> {
  log(
    `Switchboard benchmark${quick ? ' (QUICK: smaller sizes, shorter runs, one run; not for comparison)' : ''}, started ${startedAt.toISOString()}`,
  );
  const ctx: Context = {
    sizes,
    workDir,
    ...(await templates()),
    record: (sample) => samples.push({ ...sample, run: currentRun }),
    keep: (scenario, server, phase, live) =>
      phases.push({ scenario, server, run: currentRun, live, ...phase }),
    log,
  };
  if (profile) {
    await runProfile(ctx);
    return;
  }
  const order: ServerName[] = servers ?? ['raw', 'socketio', 'yoga', 'switchboard'];
  const ours = order.includes('switchboard');
  if (ours && wanted('scale')) {
    const found = await sharedServices();
    if (typeof found === 'string') {
      skipped.push(`scale: ${found}`);
      log(`scale: SKIPPED, ${found}; the other scenarios go on`);
    } else {
      scaleServices = found;
      log(`scale: ${found.versions}`);
    }
  }
  for (currentRun = 1; currentRun <= sizes.runs; currentRun += 1) {
    log(`run ${currentRun}/${sizes.runs}`);
    if (wanted('i'))
      for (const name of order) await attempt(`${name} (i)`, () => roomsSession(name, ctx));
    if (wanted('ii'))
      for (const name of order) await attempt(`${name} (ii/iii)`, () => bigRoomSession(name, ctx));
    if (ours && wanted('iv')) await attempt('switchboard (iv)', () => durableSession(ctx));
    if (ours && wanted('v')) await attempt('switchboard (v)', () => replaySession(ctx));
    if (wanted('vi') && order.includes('yoga'))
      await attempt('yoga (vi reference)', () => historyReferenceSession(ctx));
    if (ours && wanted('vi')) await attempt('switchboard (vi)', () => historySession(ctx));
    const shared = scaleServices;
    if (shared) {
      for (const setup of SCALE_SETUPS)
        await attempt(`${COLUMN_LABELS[setup]} (scale)`, () => scaleSession(setup, shared, ctx));
    }
    // After each run, so that a run cut short still leaves the runs it finished.
    if (currentRun < sizes.runs) writeOutputs(currentRun, false);
  }
  writeOutputs(sizes.runs, true);
}

/** Writes the table, JSON, chart (and BENCHMARKS.md) from the runs done so far. */
function writeOutputs(runsDone: number, final: boolean): void {
  const finishedAt = new Date();
  const summary = summarize(samples);
  const targets = judgeTargets(summary);
  const host = machine();
  const heading = [
    `## Results${quick ? ' (quick mode: smaller sizes, shorter, one run; do not compare with full runs)' : ''}`,
    '',
    `${startedAt.toISOString()} to ${finishedAt.toISOString()}, ${runsDone} of ${sizes.runs} run(s) per server${final ? '' : ' (still running)'}, servers interleaved.`,
    `Sizes: (i) ${sizes.rooms} rooms × ${sizes.roomSize} clients, ${sizes.seconds} s after ${sizes.warmupSeconds} s warm-up; (i-rate) ${sizes.rateTotal} sends/s; (ii)/(iii) ${sizes.bigRoom} clients in one room, ${sizes.bigRoomRate} sends/s by ${sizes.bigRoomSenders} senders; (iv) ${sizes.durableSenders} senders; (v) ${sizes.replayMessages} messages; (vi) ${sizes.historyMessages} messages, ${sizes.historyRequests} pages; scale: (i) and (i-rate) on PostgreSQL + Redis, 1 and 2 instances${scaleServices ? ` (${scaleServices.versions})` : ''}.`,
    `Machine: ${host.nproc} cores (${host.cpu}), ${host.memoryGiB} GiB; load average (1, 5, 15 min) ${host.loadAverageAtStart} at the start and ${host.loadAverageAtEnd} at the end: above ${host.nproc}, other work shared the cores and the figures are noisy (the scale-out sessions raise it themselves: PostgreSQL, Redis and a second instance); compare ratios within the run.`,
    ...(failures.length ? ['', `Failed sessions: ${failures.join('; ')}`] : []),
    ...(skipped.length ? ['', `Skipped: ${skipped.join('; ')}`] : []),
  ].join('\n');
  const md = markdown(summary, targets, heading);
  writeFileSync(join(resultsDir, 'results.md'), md);
  writeFileSync(
    join(resultsDir, 'results.json'),
    `${JSON.stringify({ quick, startedAt, finishedAt, sizes, machine: host, versions: versions(), scaleServices: scaleServices?.versions, summary, targets, samples, phases, failures, skipped }, null, 2)}\n`,
  );
  writeFileSync(
    join(resultsDir, 'results.svg'),
    svgChart(
      summary,
      `Switchboard benchmark, ${finishedAt.toISOString().slice(0, 16)}Z${quick ? ' (quick)' : ''}`,
    ),
  );
  if (!quick && !partial) writeFileSync('BENCHMARKS.md', benchmarksDocument(md, host));
  if (!final) return;
  log('');
  log(md);
  log(
    `wrote ${resultsDir}/results.md, results.json, results.svg${quick || partial ? '' : ' and BENCHMARKS.md'}`,
  );
}

/** Everything below this line in BENCHMARKS.md is written by hand and kept across runs. */
const NOTES_MARKER = '<!-- hand-written notes below: npm run bench keeps them -->';

function benchmarksDocument(md: string, host: ReturnType<typeof machine>): string {
  const v = versions();
  let notes = '';
  try {
    const old = readFileSync('BENCHMARKS.md', 'utf8');
    const at = old.indexOf(NOTES_MARKER);
    if (at >= 0) notes = old.slice(at + NOTES_MARKER.length);
  } catch {
    // No earlier BENCHMARKS.md: no notes to keep.
  }
  return `# Benchmarks

The latest full \`npm run bench\` (code in \`bench/\`, method in \`bench/README.md\`; chart:
[bench/results/results.svg](bench/results/results.svg), raw samples: \`bench/results/results.json\`).

Machine: ${host.nproc} cores, ${host.cpu}, ${host.memoryGiB} GiB of memory. Each server runs alone on
core 0 (\`taskset -c 0\`), the load client on core 1. Versions: ${Object.entries(v)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')}.

${md}
${NOTES_MARKER}${notes || '\n'}`;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    rmSync(workDir, { recursive: true, force: true });
  });
