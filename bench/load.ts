/**
 * The load client, one process pinned to its own core: opens the connections of a spec
 * (JSON file in argv[2]), then runs its phases and prints one JSON line per event on stdout.
 * It waits for a line on stdin between "live" and the first phase, so the orchestrator can
 * read the server's memory with every connection open and idle.
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { ROOM_HISTORY } from './lib/chat.js';
import { LeanSocket } from './lib/lean-ws.js';
import { type Peer, PROTOCOLS, type ProtocolName, pathFor } from './lib/protocols.js';
import { percentiles } from './lib/stats.js';

export interface ClientSpec {
  room: string;
  token?: string | undefined;
  after?: string | undefined;
  /** False for senders that only send (scenario iv). */
  subscribe?: boolean;
  /** The server this client connects to, when not the spec's (several instances). */
  port?: number;
}

export type PhaseSpec =
  | { name: string; kind: 'closed'; warmupSeconds: number; seconds: number }
  | { name: string; kind: 'rate'; perSecond: number; seconds: number; drainSeconds: number }
  | { name: string; kind: 'acks'; warmupSeconds: number; seconds: number }
  | { name: string; kind: 'replay'; client: ClientSpec; expect: number; timeoutSeconds: number }
  | { name: string; kind: 'history'; url: string; token: string; roomId: string; requests: number }
  /** The reference for (vi): one fixed query over the same kind of connection. */
  | { name: string; kind: 'query'; url: string; query: string; requests: number };

export interface LoadSpec {
  protocol: ProtocolName;
  port: number;
  clients: ClientSpec[];
  /** Indices into clients; the first sender of each room also sends the probes. */
  senders: number[];
  /** Send probes until every subscribed client has received one before going live. */
  probe: boolean;
  /**
   * Indices into clients (not senders) that read their frames and time each message of their
   * room from its send: delivery to another client (e.g. on another instance), one clock.
   */
  observers?: number[];
  phases: PhaseSpec[];
}

export interface PhaseResult {
  seconds: number;
  sent: number;
  delivered: number;
  deliveredPerSecond: number;
  /** Deliveries expected from the sends of the phase (rate phases). */
  expected?: number;
  acked?: number;
  ackedPerSecond?: number;
  rttMs?: { p50: number; p99: number; max: number; samples: number };
  /** From a send to its arrival at its room's observer (spec.observers). */
  observedMs?: { p50: number; p99: number; max: number; samples: number };
  /**
   * What observers saw of their room's stream order: a seq not above the one before
   * (repeated or out of order), and seqs skipped (messages that never came), of seqChecked.
   */
  seqChecked?: number;
  seqRepeated?: number;
  seqSkipped?: number;
  errors: number;
  firstError?: string;
  timeouts?: number;
  loadCpuShare: number;
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadSpec;
const protocol = PROTOCOLS[spec.protocol];
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

let delivered = 0;
let errors = 0;
let firstError: string | undefined;

type Mode = 'idle' | 'closed' | 'acks';
let mode: Mode = 'idle';
let measuring = false;
const rtts: number[] = [];
/** Send times by clientId, kept only while observers time deliveries to them. */
const observing = (spec.observers?.length ?? 0) > 0;
const sentAt = new Map<string, number>();
const observed: number[] = [];
let seqChecked = 0;
let seqRepeated = 0;
let seqSkipped = 0;
let acked = 0;
let sent = 0;

class Client implements Peer {
  socket!: LeanSocket;
  isReady = false;
  count = 0;
  next = 0;
  readonly pending = new Map<string, number>();
  /** Observers: the seq of the last message of the room that came. */
  lastSeq: number | undefined;
  readonly room: string;
  readonly token: string | undefined;
  readonly after: string | undefined;
  readonly subscribe: boolean;
  readonly port: number;
  #readyWaiter: (() => void) | undefined;

  constructor(
    clientSpec: ClientSpec,
    readonly index: number,
    readonly sender: boolean,
    readonly observer = false,
  ) {
    this.room = clientSpec.room;
    this.token = clientSpec.token;
    this.after = clientSpec.after;
    this.subscribe = clientSpec.subscribe ?? true;
    this.port = clientSpec.port ?? spec.port;
  }

  async open(): Promise<void> {
    const readied = new Promise<void>((resolve) => {
      this.#readyWaiter = resolve;
    });
    await LeanSocket.open(this.port, pathFor(spec.protocol, this.room), protocol.subprotocol, {
      onOpen: (socket) => {
        this.socket = socket;
        socket.readLarge = true;
        protocol.open(this);
      },
      onLarge: (payload) => this.#large(payload),
      onSmall: (payload) => protocol.control(this, payload.toString()),
      onClose: () => {
        if (this.isReady && !stopping) {
          errors += 1;
          firstError ??= `connection ${this.index} closed by the server`;
        }
      },
    });
    await withTimeout(readied, 15_000, `client ${this.index} not ready`);
  }

  ready(): void {
    this.isReady = true;
    this.socket.readLarge = this.sender || this.observer;
    this.#readyWaiter?.();
  }

  acked(clientId: string | undefined, error: string | undefined): void {
    if (error) {
      errors += 1;
      firstError ??= error;
    }
    if (mode !== 'acks' || clientId === undefined) {
      // A refused send never comes back as a delivery: keep a closed loop going.
      if (error && clientId !== undefined && this.pending.delete(clientId) && mode === 'closed')
        this.sendNext();
      return;
    }
    const started = this.pending.get(clientId);
    if (started === undefined) return;
    this.pending.delete(clientId);
    if (!error) {
      acked += measuring ? 1 : 0;
      if (measuring) rtts.push(performance.now() - started);
    }
    this.sendNext();
  }

  /** The room's messages come once each, in stream order, none skipped (only sends write it). */
  checkSeq(payload: Buffer): void {
    const seq = protocol.deliveredSeq?.(payload);
    if (seq === undefined) return;
    seqChecked += 1;
    const last = this.lastSeq;
    if (last !== undefined && seq <= last) {
      seqRepeated += 1;
      return;
    }
    if (last !== undefined) seqSkipped += seq - last - 1;
    this.lastSeq = seq;
  }

  sendNext(): void {
    const clientId = `c${this.index}-${this.next++}`;
    const now = performance.now();
    this.pending.set(clientId, now);
    if (observing) sentAt.set(clientId, now);
    sent += measuring ? 1 : 0;
    protocol.send(this, clientId);
  }

  #large(payload: Buffer | undefined): void {
    if (!this.isReady) {
      if (payload) protocol.control(this, payload.toString());
      return;
    }
    if (!payload) {
      this.count += 1;
      delivered += 1;
      return;
    }
    const clientId = protocol.deliveredClientId(this, payload);
    if (clientId === undefined) return;
    this.count += 1;
    delivered += 1;
    if (this.observer) {
      this.checkSeq(payload);
      const sentAtMs = sentAt.get(clientId);
      sentAt.delete(clientId);
      if (sentAtMs !== undefined && measuring) observed.push(performance.now() - sentAtMs);
      return;
    }
    const started = this.pending.get(clientId);
    if (started === undefined) return;
    this.pending.delete(clientId);
    if (measuring) rtts.push(performance.now() - started);
    if (mode === 'closed') this.sendNext();
  }
}

let stopping = false;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function openAll(clients: Client[], concurrency: number): Promise<number> {
  let failed = 0;
  let at = 0;
  const worker = async () => {
    while (at < clients.length) {
      const client = clients[at++];
      if (!client) break;
      try {
        await client.open();
      } catch (error) {
        failed += 1;
        firstError ??= `connect: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}

/** Waits until the last own message of every sender came back, at most `ms`. */
async function drainPending(senders: Client[], ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (senders.some((s) => s.pending.size > 0) && performance.now() < until) await sleep(5);
}

function snapshot() {
  return { at: performance.now(), cpu: process.cpuUsage(), delivered, errors };
}

function finish(
  from: ReturnType<typeof snapshot>,
  extra: Partial<PhaseResult> = {},
  timeouts = 0,
): PhaseResult {
  const seconds = (performance.now() - from.at) / 1000;
  const cpu = process.cpuUsage(from.cpu);
  const count = delivered - from.delivered;
  const result: PhaseResult = {
    seconds,
    sent,
    delivered: count,
    deliveredPerSecond: count / seconds,
    errors: errors - from.errors,
    loadCpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
    ...extra,
  };
  if (rtts.length > 0) result.rttMs = { ...percentiles(rtts), samples: rtts.length };
  if (observed.length > 0)
    result.observedMs = { ...percentiles(observed), samples: observed.length };
  if (observing) Object.assign(result, { seqChecked, seqRepeated, seqSkipped });
  if (firstError) result.firstError = firstError;
  if (timeouts > 0) result.timeouts = timeouts;
  return result;
}

function resetCounters(): void {
  rtts.length = 0;
  observed.length = 0;
  sentAt.clear();
  acked = 0;
  sent = 0;
}

async function closedPhase(
  phase: { warmupSeconds: number; seconds: number },
  senders: Client[],
  kind: 'closed' | 'acks',
): Promise<PhaseResult> {
  resetCounters();
  mode = kind;
  for (const sender of senders) sender.sendNext();
  await sleep(phase.warmupSeconds * 1000);
  resetCounters();
  measuring = true;
  const from = snapshot();
  // A lost message would stall its sender's loop: count it and send again.
  let timeouts = 0;
  const watchdog = setInterval(() => {
    const stale = performance.now() - 5_000;
    for (const sender of senders) {
      for (const [clientId, started] of sender.pending) {
        if (started >= stale) continue;
        sender.pending.delete(clientId);
        timeouts += 1;
        sender.sendNext();
      }
    }
  }, 1_000);
  await sleep(phase.seconds * 1000);
  measuring = false;
  clearInterval(watchdog);
  const result = finish(from, kind === 'acks' ? { acked, ackedPerSecond: 0 } : {}, timeouts);
  if (kind === 'acks') result.ackedPerSecond = acked / result.seconds;
  mode = 'idle';
  await drainPending(senders, 3_000);
  return result;
}

async function ratePhase(
  phase: { perSecond: number; seconds: number; drainSeconds: number },
  senders: Client[],
  roomSizes: Map<string, number>,
): Promise<PhaseResult> {
  resetCounters();
  mode = 'idle';
  measuring = true;
  const from = snapshot();
  const each = phase.perSecond / senders.length;
  let expected = 0;
  const perSender = new Array<number>(senders.length).fill(0);
  await new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      const elapsed = (performance.now() - from.at) / 1000;
      if (elapsed >= phase.seconds) {
        clearInterval(ticker);
        resolve();
        return;
      }
      senders.forEach((sender, i) => {
        const due = Math.floor(elapsed * each) + 1;
        while ((perSender[i] ?? 0) < due) {
          perSender[i] = (perSender[i] ?? 0) + 1;
          expected += roomSizes.get(sender.room) ?? 0;
          sender.sendNext();
        }
      });
    }, 2);
  });
  const sendEnd = performance.now();
  const until = sendEnd + phase.drainSeconds * 1000;
  while (performance.now() < until && delivered - from.delivered < expected) await sleep(10);
  measuring = false;
  const result = finish(from, { expected });
  // Delivered per second over the sending window, not the drain.
  result.deliveredPerSecond = result.delivered / ((sendEnd - from.at) / 1000);
  // Own messages still missing are lost for the round trip: count them as timeouts.
  let missing = 0;
  for (const sender of senders) missing += sender.pending.size;
  if (missing > 0) result.timeouts = missing;
  for (const sender of senders) sender.pending.clear();
  return result;
}

async function replayPhase(phase: {
  client: ClientSpec;
  expect: number;
  timeoutSeconds: number;
}): Promise<PhaseResult> {
  resetCounters();
  const client = new Client(phase.client, -1, false);
  const from = snapshot();
  await client.open();
  const until = performance.now() + phase.timeoutSeconds * 1000;
  while (client.count < phase.expect && performance.now() < until) await sleep(2);
  const result = finish(from);
  client.socket.close();
  return result;
}

interface HistoryPage {
  data?: { roomHistory: { pageInfo: { startCursor: string | null; endCursor: string | null } } };
}

/** One keep-alive connection, as a browser holds one: `fetch` (undici) costs the client ~1.5 ms a page. */
const historyAgent = new Agent({ keepAlive: true, maxSockets: 1 });

function postJson(url: URL, token: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: historyAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString()));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Pages of 50, one request at a time: the latest page, walking back from it, and walking
 * forward from the oldest, in turn, so reads land at both ends and deep in the room.
 */
async function historyPhase(phase: {
  url: string;
  token: string;
  roomId: string;
  requests: number;
}): Promise<PhaseResult> {
  const url = new URL(phase.url);
  const ask = async (variables: Record<string, string | number>) => {
    const body = JSON.stringify({
      query: ROOM_HISTORY,
      variables: { roomId: phase.roomId, ...variables },
    });
    const page = JSON.parse(await postJson(url, phase.token, body)) as HistoryPage;
    countIfFailed(page);
    return page.data?.roomHistory.pageInfo;
  };
  let before: string | null | undefined;
  let after: string | null | undefined;
  const one = async (i: number) => {
    const kind = i % 3;
    if (kind === 0) await ask({ last: 50 });
    else if (kind === 1) {
      const info = await ask(before ? { last: 50, before } : { last: 50 });
      before = info?.startCursor;
    } else {
      const info = await ask(after ? { first: 50, after } : { first: 50 });
      after = info?.endCursor;
    }
  };
  return timedRequests(phase.requests, one);
}

/** A fixed query, one request at a time: what the cheapest request costs on this server. */
async function queryPhase(phase: { url: string; query: string; requests: number }) {
  const url = new URL(phase.url);
  const body = JSON.stringify({ query: phase.query });
  return timedRequests(phase.requests, async () => {
    countIfFailed(JSON.parse(await postJson(url, '', body)) as { data?: unknown });
  });
}

/** An HTTP answer without data is an error of the phase (the first one kept to report). */
function countIfFailed(answer: { data?: unknown }): void {
  if (answer.data) return;
  errors += 1;
  firstError ??= JSON.stringify(answer).slice(0, 200);
}

/** `requests` round trips of `one`, one at a time, after 60 unmeasured to warm up. */
async function timedRequests(
  requests: number,
  one: (i: number) => Promise<void>,
): Promise<PhaseResult> {
  for (let i = 0; i < 60; i += 1) await one(i);
  resetCounters();
  measuring = true;
  const from = snapshot();
  for (let i = 0; i < requests; i += 1) {
    const started = performance.now();
    await one(i);
    rtts.push(performance.now() - started);
  }
  measuring = false;
  const result = finish(from);
  result.delivered = requests;
  result.deliveredPerSecond = requests / result.seconds;
  return result;
}

async function probe(subscribed: Client[], senders: Client[]): Promise<number> {
  const probers = new Map<string, Client>();
  for (const sender of senders) if (!probers.has(sender.room)) probers.set(sender.room, sender);
  const until = performance.now() + 60_000;
  let round = 0;
  while (performance.now() < until) {
    const waiting = subscribed.filter((c) => c.count === 0 && !c.socket.closed);
    if (waiting.length === 0) break;
    const rooms = new Set(waiting.map((c) => c.room));
    if (round % 50 === 0) {
      for (const room of rooms) {
        const prober = probers.get(room);
        if (prober) protocol.send(prober, `probe-${round}`);
      }
    }
    round += 1;
    await sleep(20);
  }
  return subscribed.filter((c) => c.count > 0).length;
}

async function main(): Promise<void> {
  const senderSet = new Set(spec.senders);
  const observerSet = new Set(spec.observers ?? []);
  const clients = spec.clients.map(
    (c, i) => new Client(c, i, senderSet.has(i), observerSet.has(i) && !senderSet.has(i)),
  );
  const senders = spec.senders.map((i) => clients[i]).filter((c): c is Client => !!c);
  const subscribed = clients.filter((c) => c.subscribe);
  const roomSizes = new Map<string, number>();
  for (const c of subscribed) roomSizes.set(c.room, (roomSizes.get(c.room) ?? 0) + 1);

  const connectStarted = performance.now();
  const failed = await openAll(clients, 100);
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  const live = spec.probe ? await probe(subscribed, senders) : subscribed.length;
  // A probe still fanning out must not count as a delivery of the first phase.
  await quiet();
  for (const c of clients) c.count = 0;
  emit({ event: 'live', connected: clients.length - failed, failed, live, connectSeconds });
  await nextLine();

  for (const [i, phase] of spec.phases.entries()) {
    // With observers (scale), the last sends of a phase, still reaching the far instance,
    // must not count in the next one's delivered %; other specs keep their timing.
    if (observing && i > 0) await quiet();
    emit({ event: 'phase-start', name: phase.name });
    let result: PhaseResult;
    if (phase.kind === 'closed' || phase.kind === 'acks')
      result = await closedPhase(phase, senders, phase.kind);
    else if (phase.kind === 'rate') result = await ratePhase(phase, senders, roomSizes);
    else if (phase.kind === 'replay') result = await replayPhase(phase);
    else if (phase.kind === 'history') result = await historyPhase(phase);
    else result = await queryPhase(phase);
    emit({ event: 'phase-end', name: phase.name, result });
    errors = 0;
    firstError = undefined;
    seqChecked = 0;
    seqRepeated = 0;
    seqSkipped = 0;
  }
  stopping = true;
  for (const c of clients) c.socket?.close();
  emit({ event: 'done' });
}

/** Waits until no delivery came for 500 ms, at most 15 s. */
async function quiet(): Promise<void> {
  for (let quietUntil = performance.now() + 15_000; performance.now() < quietUntil; ) {
    const before = delivered;
    await sleep(500);
    if (delivered === before) break;
  }
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function nextLine(): Promise<void> {
  await lines.next();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    emit({ event: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  },
);
