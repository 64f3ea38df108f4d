// A small load probe for tuning Switchboard (not the benchmark harness, bench/run.ts): starts
// the server pinned to core 0, drives it from this process over lean graphql-ws sockets
// (a frame reader on net.Socket, no `ws`), and prints one JSON line of figures.
//   taskset -c 1 npx tsx bench/perf-probe.ts fanout  [--subs 1000 --rooms 10 --senders 10 --seconds 10]
//   taskset -c 1 npx tsx bench/perf-probe.ts sends   [--senders 50 --rooms 10 --seconds 10]
//   taskset -c 1 npx tsx bench/perf-probe.ts replay  [--messages 100000]
//   taskset -c 1 npx tsx bench/perf-probe.ts idle    [--subs 2000]
//   taskset -c 1 npx tsx bench/perf-probe.ts history [--messages 20000 --pages 1500]
// --prof writes a V8 CPU profile of the server into bench/results/probe-prof/; --heap (idle)
// writes heap snapshots of it before and after opening the connections into bench/results/probe-heap/.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode = 'fanout', ...rest] = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = rest.indexOf(`--${name}`);
  return at >= 0 ? Number(rest[at + 1]) : fallback;
};
const SUBSCRIPTION =
  'subscription($r:ID!,$a:String){roomMessages(roomId:$r,after:$a){id seq cursor content createdAt sender{id name}}}';
const SEND = 'mutation($r:ID!,$c:String!){sendRoomMessage(roomId:$r,content:$c){seq cursor}}';

const HEAP_DIR = join(process.cwd(), 'bench/results/probe-heap');

interface Server {
  process: ChildProcess;
  port: number;
  dir: string;
}

async function startServer(): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-probe-'));
  const prof = rest.includes('--prof')
    ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), 'bench/results/probe-prof')]
    : [];
  const heap = rest.includes('--heap')
    ? ['--heapsnapshot-signal=SIGUSR2', '--diagnostic-dir', HEAP_DIR]
    : [];
  // --bundle: plain node on an esbuild bundle, without tsx's loader thread.
  const entry = rest.includes('--bundle') ? [bundleServer()] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn('taskset', ['-c', '0', process.execPath, ...prof, ...heap, ...entry], {
    env: {
      ...process.env,
      PORT: String(port),
      SQLITE_PATH: join(dir, 'probe.sqlite'),
      JWT_SECRET: 'probe-secret-probe-secret-probe-secret',
      LOG_LEVEL: 'silent', // as the benchmark runs it
      SEND_RATE_PER_SECOND: '1000000',
      SEND_BURST: '1000000',
      MAX_CONNECTIONS_PER_USER: '1000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error('the server exited');
    const ready = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await sleep(50);
  }
  return { process: child, port, dir };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(),
      );
    });
  });
}

function bundleServer(): string {
  const out = join(process.cwd(), 'dist/probe/main.mjs');
  execFileSync('npx', [
    'esbuild',
    'src/main.ts',
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--packages=external',
    `--outfile=${out}`,
    '--log-level=warning',
  ]);
  return out;
}

async function gql<T>(port: number, query: string, variables: object, token?: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** A graphql-ws client on a bare TCP socket: counts frames, decodes only when asked to. */
class LeanSocket {
  frames = 0;
  #pending: Buffer = Buffer.alloc(0);
  #waiters: Array<(text: string) => boolean> = [];

  constructor(
    private readonly socket: Socket,
    public decode: boolean,
  ) {
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
  }

  static async open(port: number, token: string, decode = false): Promise<LeanSocket> {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) =>
      socket.once('connect', resolve).once('error', reject),
    );
    socket.write(
      `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        if (!head.subarray(0, 12).toString().includes('101')) reject(new Error(head.toString()));
        resolve(head.subarray(end + 4));
      };
      socket.on('data', onData);
    });
    const lean = new LeanSocket(socket, true);
    if (rest.length > 0) lean.#read(rest);
    const acked = lean.until((text) => text.includes('connection_ack'));
    lean.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    await acked;
    lean.decode = decode;
    return lean;
  }

  send(message: object): void {
    const payload = Buffer.from(JSON.stringify(message));
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x81, 0x80 | length, 0, 0, 0, 0])
        : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 255, 0, 0, 0, 0]);
    // A zero mask key leaves the payload as it is.
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** Resolves with the first decoded text frame that `match` accepts. */
  until(match: (text: string) => boolean): Promise<string> {
    return new Promise((resolve) =>
      this.#waiters.push((text) => {
        if (!match(text)) return false;
        resolve(text);
        return true;
      }),
    );
  }

  close(): void {
    this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (data.length - at < 2) break;
      const opcode = (data[at] as number) & 0x0f;
      let length = (data[at + 1] as number) & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (data.length - at < 4) break;
        length = data.readUInt16BE(at + 2);
        start = at + 4;
      } else if (length === 127) {
        if (data.length - at < 10) break;
        length = Number(data.readBigUInt64BE(at + 2));
        start = at + 10;
      }
      if (data.length < start + length) break;
      if (opcode === 0x9) {
        // Answer the server's heartbeat ping with an (empty, masked) pong.
        this.socket.write(Buffer.from([0x8a, 0x80, 0, 0, 0, 0]));
      } else if (opcode === 0x1) {
        this.frames += 1;
        if (this.decode) {
          const text = data.toString('utf8', start, start + length);
          this.#waiters = this.#waiters.filter((waiter) => !waiter(text));
        }
      }
      at = start + length;
    }
    this.#pending = at < data.length ? data.subarray(at) : Buffer.alloc(0);
    if (this.#pending.length > 0 && at === 0) data = this.#pending;
  }
}

function serverStats(pid: number): { cpuSeconds: number; rssKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { cpuSeconds, rssKb };
}

/** The server's V8 heap (used, committed) and external memory, in KB, from its /metrics. */
async function heapStats(
  port: number,
): Promise<{ usedKb: number; totalKb: number; externalKb: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const kb = (name: string) =>
    Number(new RegExp(`^switchboard_${name} (\\S+)`, 'm').exec(text)?.[1]) / 1024;
  return {
    usedKb: kb('nodejs_heap_size_used_bytes'),
    totalKb: kb('nodejs_heap_size_total_bytes'),
    externalKb: kb('nodejs_external_memory_bytes'),
  };
}

/** With --heap: a heap snapshot of the server, written once the server answers again. */
async function heapSnapshot(server: Server): Promise<void> {
  if (!rest.includes('--heap')) return;
  mkdirSync(HEAP_DIR, { recursive: true });
  const count = () => readdirSync(HEAP_DIR).filter((name) => name.endsWith('.heapsnapshot')).length;
  const before = count();
  server.process.kill('SIGUSR2');
  while (count() === before) await sleep(50);
  // Node writes the snapshot on the main thread: an answer means it is done.
  await fetch(`http://127.0.0.1:${server.port}/health`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

async function setup(port: number, users: number, rooms: number) {
  const tokens: string[] = [];
  for (let i = 0; i < users; i += 1) {
    const { signUp } = await gql<{ signUp: { token: string } }>(
      port,
      'mutation($n:String!){signUp(name:$n,password:"probe password"){token}}',
      { n: `probe${i}` },
    );
    tokens.push(signUp.token);
  }
  const roomIds: string[] = [];
  for (let r = 0; r < rooms; r += 1) {
    const { createRoom } = await gql<{ createRoom: { id: string } }>(
      port,
      'mutation($n:String!){createRoom(name:$n,maxMembers:10000){id}}',
      { n: `room${r}` },
      tokens[0],
    );
    roomIds.push(createRoom.id);
    for (const token of tokens.slice(1))
      await gql(port, 'mutation($r:ID!){joinRoom(roomId:$r){id}}', { r: createRoom.id }, token);
  }
  return { tokens, roomIds };
}

/** One closed-loop sender on its own connection: a send, its ack, the next send. */
function runSender(
  socket: LeanSocket,
  roomId: string,
  stop: () => boolean,
  rtts: number[],
  onAck?: (text: string) => void,
) {
  let n = 0;
  return (async () => {
    while (!stop()) {
      n += 1;
      const id = `s${n}`;
      const started = performance.now();
      const done = socket.until((text) => text.includes(`"id":"${id}"`) && text.includes('"next"'));
      socket.send({
        id,
        type: 'subscribe',
        payload: { query: SEND, variables: { r: roomId, c: `m${n} ${'x'.repeat(40)}` } },
      });
      const text = await done;
      rtts.push(performance.now() - started);
      onAck?.(text);
    }
  })();
}

/** Sends `total` messages to the room from 50 closed loops; resolves with the count acked. */
async function seedRoom(port: number, tokens: string[], roomId: string, total: number) {
  const senders = await Promise.all(
    Array.from({ length: 50 }, (_, j) =>
      LeanSocket.open(port, tokens[j % tokens.length] as string, true),
    ),
  );
  let acked = 0;
  const count = () => {
    acked += 1;
  };
  await Promise.all(
    senders.map((socket) => runSender(socket, roomId, () => acked >= total, [], count)),
  );
  for (const socket of senders) socket.close();
  return acked;
}

async function subscribe(
  port: number,
  token: string,
  roomId: string,
  after?: string,
): Promise<LeanSocket> {
  const socket = await LeanSocket.open(port, token);
  socket.send({
    id: '1',
    type: 'subscribe',
    payload: { query: SUBSCRIPTION, variables: { r: roomId, a: after } },
  });
  return socket;
}

async function main(): Promise<void> {
  const server = await startServer();
  const pid = server.process.pid as number;
  const { port } = server;
  const report: Record<string, unknown> = { mode };
  try {
    if (mode === 'fanout' || mode === 'sends') {
      const subs = mode === 'fanout' ? flag('subs', 1000) : 0;
      const rooms = flag('rooms', 10);
      const senders = flag('senders', mode === 'fanout' ? 10 : 50);
      const seconds = flag('seconds', 10);
      const { tokens, roomIds } = await setup(port, 20, rooms);
      const subscribers: LeanSocket[] = [];
      for (let i = 0; i < subs; i += 1)
        subscribers.push(
          await subscribe(port, tokens[i % tokens.length] as string, roomIds[i % rooms] as string),
        );
      const senderSockets = await Promise.all(
        Array.from({ length: senders }, (_, j) =>
          LeanSocket.open(port, tokens[j % tokens.length] as string, true),
        ),
      );
      let stopping = false;
      const rtts: number[] = [];
      const loops = senderSockets.map((socket, j) =>
        runSender(socket, roomIds[j % rooms] as string, () => stopping, rtts),
      );
      await sleep(2000);
      const delivered = () => subscribers.reduce((sum, s) => sum + s.frames, 0);
      const clientCpu = process.cpuUsage();
      const before = {
        delivered: delivered(),
        sends: rtts.length,
        ...serverStats(pid),
        at: performance.now(),
      };
      rtts.length = 0;
      await sleep(seconds * 1000);
      const after = {
        delivered: delivered(),
        sends: rtts.length,
        ...serverStats(pid),
        at: performance.now(),
      };
      stopping = true;
      await Promise.all(loops);
      const elapsed = (after.at - before.at) / 1000;
      const sorted = rtts.slice(0, after.sends).sort((a, b) => a - b);
      Object.assign(report, {
        subs,
        rooms,
        senders,
        deliveredPerSecond: Math.round((after.delivered - before.delivered) / elapsed),
        sendsPerSecond: Math.round(after.sends / elapsed),
        ackP50Ms: Number(percentile(sorted, 0.5).toFixed(2)),
        ackP99Ms: Number(percentile(sorted, 0.99).toFixed(2)),
        serverCpu: Number(((after.cpuSeconds - before.cpuSeconds) / elapsed).toFixed(2)),
        // The machine is shared: what one second of server CPU delivers and sends.
        deliveredPerCpuSecond: Math.round(
          (after.delivered - before.delivered) / (after.cpuSeconds - before.cpuSeconds),
        ),
        sendsPerCpuSecond: Math.round(after.sends / (after.cpuSeconds - before.cpuSeconds)),
        serverRssMb: Math.round(after.rssKb / 1024),
        clientCpu: Number(
          (
            (process.cpuUsage(clientCpu).user + process.cpuUsage(clientCpu).system) /
            1e6 /
            elapsed
          ).toFixed(2),
        ),
      });
    } else if (mode === 'replay') {
      const total = flag('messages', 100_000);
      const { tokens, roomIds } = await setup(port, 10, 1);
      const roomId = roomIds[0] as string;
      const seedStarted = performance.now();
      const acked = await seedRoom(port, tokens, roomId, total);
      const seeded = performance.now() - seedStarted;
      const { roomHistory } = await gql<{
        roomHistory: { edges: Array<{ node: { seq: number } }> };
      }>(
        port,
        'query($r:ID!){roomHistory(roomId:$r,last:1){edges{node{seq}}}}',
        { r: roomId },
        tokens[0],
      );
      const head = roomHistory.edges[0]?.node.seq ?? 0;
      await sleep(1500);
      await heapSnapshot(server);
      const heapAfterSeeding = await heapStats(port);
      const rssBefore = serverStats(pid).rssKb;
      let peak = rssBefore;
      const sampler = setInterval(() => {
        peak = Math.max(peak, serverStats(pid).rssKb);
      }, 20);
      const cpuBefore = serverStats(pid).cpuSeconds;
      const clientCpuBefore = process.cpuUsage();
      const started = performance.now();
      // Everything after seq 1 (cursors are base64url of v1:<stream>:<seq>).
      const after = Buffer.from(`v1:room:${roomId}:1`).toString('base64url');
      const reader = await subscribe(port, tokens[1] as string, roomId, after);
      while (reader.frames < head - 1) await sleep(2);
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      Object.assign(report, {
        seededPerSecond: Math.round(acked / (seeded / 1000)),
        replayed: reader.frames,
        replayedPerSecond: Math.round(reader.frames / seconds),
        serverCpu: Number(((serverStats(pid).cpuSeconds - cpuBefore) / seconds).toFixed(2)),
        clientCpu: Number(
          (
            (process.cpuUsage(clientCpuBefore).user + process.cpuUsage(clientCpuBefore).system) /
            1e6 /
            seconds
          ).toFixed(2),
        ),
        heapUsedAfterSeedingMb: Math.round(heapAfterSeeding.usedKb / 1024),
        rssBeforeMb: Math.round(rssBefore / 1024),
        rssPeakMb: Math.round(peak / 1024),
      });
    } else if (mode === 'history') {
      const total = flag('messages', 20_000);
      const pages = flag('pages', 1500);
      const { tokens, roomIds } = await setup(port, 10, 1);
      const roomId = roomIds[0] as string;
      await seedRoom(port, tokens, roomId, total);
      // The benchmark's (vi) page: 50 edges with their senders, one request at a time.
      const page = (cursor?: string) =>
        gql<{ roomHistory: { pageInfo: { startCursor: string | null } } }>(
          port,
          'query($r:ID!,$b:String){roomHistory(roomId:$r,last:50,before:$b){edges{cursor node{id seq content clientId createdAt sender{id name}}} pageInfo{hasNextPage hasPreviousPage startCursor endCursor}}}',
          { r: roomId, b: cursor },
          tokens[1],
        );
      let before: string | undefined;
      const walk = async () => {
        const { roomHistory } = await page(before);
        before = roomHistory.pageInfo.startCursor ?? undefined;
      };
      for (let i = 0; i < 100; i += 1) await walk();
      const cpuBefore = serverStats(pid).cpuSeconds;
      const started = performance.now();
      const rtts: number[] = [];
      for (let i = 0; i < pages; i += 1) {
        const at = performance.now();
        await walk();
        rtts.push(performance.now() - at);
      }
      const elapsed = (performance.now() - started) / 1000;
      const sorted = rtts.sort((a, b) => a - b);
      Object.assign(report, {
        pages,
        pageP50Ms: Number(percentile(sorted, 0.5).toFixed(2)),
        pageP99Ms: Number(percentile(sorted, 0.99).toFixed(2)),
        serverCpu: Number(((serverStats(pid).cpuSeconds - cpuBefore) / elapsed).toFixed(2)),
      });
    } else if (mode === 'idle') {
      const subs = flag('subs', 2000);
      const { tokens, roomIds } = await setup(port, 20, 10);
      const warm = await subscribe(port, tokens[0] as string, roomIds[0] as string);
      await sleep(2000);
      await heapSnapshot(server);
      const before = serverStats(pid).rssKb;
      const heapBefore = await heapStats(port);
      const sockets: LeanSocket[] = [];
      for (let i = 0; i < subs; i += 1)
        sockets.push(await subscribe(port, tokens[i % 20] as string, roomIds[i % 10] as string));
      await sleep(3000);
      const after = serverStats(pid).rssKb;
      const heapAfter = await heapStats(port);
      await heapSnapshot(server);
      warm.close();
      Object.assign(report, {
        subs,
        kbPerConnection: Number(((after - before) / subs).toFixed(1)),
        // Heap used counts garbage not yet collected; a --heap snapshot counts live objects only.
        heapUsedKbPerConnection: Number(((heapAfter.usedKb - heapBefore.usedKb) / subs).toFixed(1)),
        heapTotalKbPerConnection: Number(
          ((heapAfter.totalKb - heapBefore.totalKb) / subs).toFixed(1),
        ),
        externalKbPerConnection: Number(
          ((heapAfter.externalKb - heapBefore.externalKb) / subs).toFixed(1),
        ),
      });
    }
  } finally {
    server.process.kill('SIGTERM');
    await new Promise((resolve) => server.process.once('exit', resolve));
    rmSync(server.dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(report));
  process.exit(0);
}

await main();
