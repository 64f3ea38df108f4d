import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { keepAlive } from '../src/transport/heartbeat.js';
import { collector } from './helpers/collector.js';

const INTERVAL_MS = 100;
/** More than a socket's kernel buffers on loopback hold, so that some waits unsent. */
const BACKLOG_BYTES = 16 * 1024 * 1024;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A ws server with the keep-alive on, whose `cutOff` closes with 4413 and records the socket. */
async function pingingServer() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const cutOff = collector<WebSocket>();
  const stop = keepAlive(wss, INTERVAL_MS, (socket) => {
    cutOff.push(socket);
    socket.close(4413, 'slow consumer');
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  cleanups.push(async () => {
    stop();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  const { port } = http.address() as AddressInfo;
  /** A client connected, and the server's side of it. */
  const connect = async () => {
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    cleanups.push(() => client.terminate());
    await once(client, 'open');
    const [serverSide] = await accepted;
    const closed = once(serverSide, 'close') as Promise<[number, Buffer]>;
    return { client, serverSide, closed };
  };
  return { cutOff, connect };
}

it('keeps a client that answers pings, and drops one that stopped answering', async () => {
  const server = await pingingServer();
  const answering = await server.connect();
  const silent = await server.connect();
  // Paused, a client reads nothing, so it answers no ping; nothing waits unsent for it.
  silent.client.pause();
  const pings = { count: 0 };
  answering.client.on('ping', () => {
    pings.count += 1;
  });

  const [code] = await silent.closed;
  expect(code).toBe(1006);
  expect(server.cutOff.items).toEqual([]);
  // Terminated after missing a ping: the answering client was pinged meanwhile, and lives.
  expect(pings.count).toBeGreaterThan(0);
  expect(answering.serverSide.readyState).toBe(WebSocket.OPEN);
});

it('cuts off, as a slow consumer, a client that stopped answering with output waiting unsent', async () => {
  const server = await pingingServer();
  const stalled = await server.connect();
  stalled.client.pause();
  // Output backs up behind a reader that stopped reading (the kernel buffers fill first).
  const chunk = Buffer.alloc(1024 * 1024, 120);
  for (let sent = 0; sent < BACKLOG_BYTES; sent += chunk.length) stalled.serverSide.send(chunk);
  expect(stalled.serverSide.bufferedAmount).toBeGreaterThan(0);

  const clientClosed = once(stalled.client, 'close') as Promise<[number, Buffer]>;
  const [cut] = await server.cutOff.until(1);
  expect(cut).toBe(stalled.serverSide);
  // Closing, not terminated: the client reads its backlog and the close frame behind it.
  expect(stalled.serverSide.readyState).toBe(WebSocket.CLOSING);
  stalled.client.resume();
  const [code, reason] = await clientClosed;
  expect(code).toBe(4413);
  expect(reason.toString()).toBe('slow consumer');
});
