import { request } from 'node:http';
import type { Socket } from 'node:net';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import WebSocket from 'ws';

/** A graphql-ws message as it travels, loosely typed: tests look at what the server sent. */
export interface WireMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket speaking graphql-ws by hand, so that a test can break every rule of it. */
export interface RawSocket {
  /** Sends a string as it is, anything else as JSON. */
  send(message: unknown): void;
  /** Resolves with the next message the server sends (in order, none skipped). */
  next(): Promise<WireMessage>;
  /** Settles when the socket closes, whoever closed it. */
  readonly closed: Promise<Closed>;
  close(): void;
}

export async function openRawSocket(
  url: string,
  protocols: string[] = [GRAPHQL_TRANSPORT_WS_PROTOCOL],
): Promise<RawSocket> {
  const socket = new WebSocket(url, protocols);
  const inbox: WireMessage[] = [];
  const waiters: Array<(message: WireMessage) => void> = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as WireMessage;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<Closed>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return {
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: () => {
      const queued = inbox.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise<WireMessage>((resolve, reject) => {
        waiters.push(resolve);
        void closed.then(({ code }) => reject(new Error(`closed with ${code}, no message`)));
      });
    },
    closed,
    close: () => socket.close(1000),
  };
}

/** Opens a socket and waits for graphql-ws to acknowledge its connection_init. */
export async function openAcknowledged(url: string, token: string): Promise<RawSocket> {
  const socket = await openRawSocket(url);
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  const ack = await socket.next();
  if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${ack.type}`);
  return socket;
}

/**
 * Upgrades by hand, offering `protocol`, and reads the server's close frame. A client
 * library (ws, browsers) fails the handshake itself when the server picks none of the
 * offered subprotocols, so it never sees the server's close code.
 */
export function closeAfterUpgrade(
  url: string,
  protocol: string,
): Promise<Closed & { selectedProtocol: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('switchboard-test').toString('base64'),
        'sec-websocket-protocol': protocol,
      },
    });
    req.once('error', reject);
    req.once('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)));
    req.once('upgrade', (response, socket: Socket, head: Buffer) => {
      const selectedProtocol = response.headers['sec-websocket-protocol'];
      let received = head;
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        // A server's close frame: opcode 8, unmasked, a short payload (2-byte code, reason).
        if (received.length < 2) return;
        const length = (received[1] ?? 0) & 0x7f;
        if (received.length < 2 + length) return;
        socket.off('data', onData);
        socket.destroy();
        if (((received[0] ?? 0) & 0x0f) !== 8) return reject(new Error('not a close frame'));
        resolve({
          code: received.readUInt16BE(2),
          reason: received.subarray(4, 2 + length).toString(),
          selectedProtocol,
        });
      };
      socket.on('data', onData);
      onData(Buffer.alloc(0));
    });
    req.end();
  });
}
