import { CloseCode } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type TestUser } from './helpers/clients.js';
import { closeAfterUpgrade, openAcknowledged, openRawSocket } from './helpers/raw-ws.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Stays open until completed: the subscription a duplicate id collides with. */
const LASTING = 'subscription { presenceChanged { status } }';

describe('graphql-ws protocol, from a raw WebSocket', () => {
  let server: TestServer;
  /** The same server with CONNECTION_INIT_TIMEOUT_MS=50 instead of the default 3000. */
  let impatient: TestServer;
  let alice: TestUser;
  beforeAll(async () => {
    [server, impatient] = await Promise.all([
      startTestServer(),
      startTestServer({ CONNECTION_INIT_TIMEOUT_MS: '50' }),
    ]);
    alice = await signUp(server);
  });
  afterAll(() => Promise.all([server.close(), impatient.close()]));

  it('closes with 4406 a socket that offers no subprotocol', async () => {
    const socket = await openRawSocket(server.wsUrl, []);
    expect(await socket.closed).toEqual({
      code: CloseCode.SubprotocolNotAcceptable,
      reason: 'Subprotocol not acceptable',
    });
  });

  it('closes with 4406 a socket that offers only another subprotocol', async () => {
    for (const protocol of ['graphql-ws', 'chat']) {
      const closed = await closeAfterUpgrade(server.wsUrl, protocol);
      expect(closed, protocol).toEqual({
        code: CloseCode.SubprotocolNotAcceptable,
        reason: 'Subprotocol not acceptable',
        selectedProtocol: undefined,
      });
    }
  });

  it('closes with 4408 a socket that sends no connection_init in time (CONNECTION_INIT_TIMEOUT_MS)', async () => {
    const patient = await openRawSocket(server.wsUrl);
    const socket = await openRawSocket(impatient.wsUrl);
    expect(await socket.closed).toEqual({
      code: CloseCode.ConnectionInitialisationTimeout,
      reason: 'Connection initialisation timeout',
    });
    // Opened first, but its server waits the default 3 s: the setting is what closed the other.
    patient.send({ type: 'ping' });
    expect(await patient.next()).toEqual({ type: 'pong' });
    patient.close();
    expect((await patient.closed).code).toBe(1000);
  });

  it('closes with 4429 a second connection_init', async () => {
    const socket = await openAcknowledged(server.wsUrl, alice.token);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${alice.token}` } });
    expect(await socket.closed).toEqual({
      code: CloseCode.TooManyInitialisationRequests,
      reason: 'Too many initialisation requests',
    });
  });

  it('closes with 4401 a subscribe before the acknowledgement', async () => {
    const early = await openRawSocket(server.wsUrl);
    early.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect(await early.closed).toEqual({ code: CloseCode.Unauthorized, reason: 'Unauthorized' });
  });

  it('closes with 4403 a connection_init without a valid token', async () => {
    const tampered = `${alice.token.slice(0, -2)}${alice.token.endsWith('AA') ? 'BB' : 'AA'}`;
    const payloads: unknown[] = [
      undefined,
      {},
      { authorization: '' },
      { authorization: 'Bearer not-a-jwt' },
      { authorization: `Bearer ${tampered}` },
      { authorization: `Basic ${alice.token}` },
    ];
    for (const payload of payloads) {
      const socket = await openRawSocket(server.wsUrl);
      socket.send({ type: 'connection_init', payload });
      expect(await socket.closed, JSON.stringify(payload)).toEqual({
        code: CloseCode.Forbidden,
        reason: 'Forbidden',
      });
    }
  });

  it('closes with 4400 an invalid message, before and after the acknowledgement', async () => {
    const invalid: unknown[] = [
      'not json',
      '{"type":',
      '[]',
      'null',
      { type: 'unknown' },
      { type: 'subscribe', payload: { query: '{ __typename }' } },
      { id: '', type: 'subscribe', payload: { query: '{ __typename }' } },
      { id: '1', type: 'subscribe', payload: { query: 1 } },
      { id: '1', type: 'subscribe' },
      { id: 1, type: 'complete' },
      // Messages only a server sends.
      { type: 'connection_ack' },
      { id: '1', type: 'next', payload: { data: {} } },
      { id: '1', type: 'error', payload: [] },
    ];
    for (const message of invalid) {
      const fresh = await openRawSocket(server.wsUrl);
      fresh.send(message);
      const acknowledged = await openAcknowledged(server.wsUrl, alice.token);
      acknowledged.send(message);
      for (const socket of [fresh, acknowledged]) {
        const closed = await socket.closed;
        expect(closed.code, JSON.stringify(message)).toBe(CloseCode.BadRequest);
        // The reason names the fault, nothing of the server's insides.
        expect(closed.reason).not.toMatch(/\/src\/|node_modules|at .+:\d+/);
      }
    }
  });

  it('closes with 4409 a subscribe whose id is still active, and lets a finished id be reused', async () => {
    const socket = await openAcknowledged(server.wsUrl, alice.token);
    socket.send({ id: 'once', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect(await socket.next()).toEqual({
      id: 'once',
      type: 'next',
      payload: { data: { __typename: 'Query' } },
    });
    expect(await socket.next()).toEqual({ id: 'once', type: 'complete' });
    // Finished, so free again.
    socket.send({ id: 'once', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect(await socket.next()).toMatchObject({ id: 'once', type: 'next' });
    expect(await socket.next()).toEqual({ id: 'once', type: 'complete' });

    socket.send({ id: 'live', type: 'subscribe', payload: { query: LASTING } });
    socket.send({ id: 'live', type: 'subscribe', payload: { query: LASTING } });
    expect(await socket.closed).toEqual({
      code: CloseCode.SubscriberAlreadyExists,
      reason: 'Subscriber for live already exists',
    });
  });

  it('answers ping with pong, echoing its payload, before and after the acknowledgement', async () => {
    const fresh = await openRawSocket(server.wsUrl);
    fresh.send({ type: 'ping' });
    expect(await fresh.next()).toEqual({ type: 'pong' });
    fresh.send({ type: 'ping', payload: { n: 1 } });
    expect(await fresh.next()).toEqual({ type: 'pong', payload: { n: 1 } });

    const acknowledged = await openAcknowledged(server.wsUrl, alice.token);
    // An unasked pong is allowed (a client's heartbeat) and answered with nothing.
    acknowledged.send({ type: 'pong' });
    acknowledged.send({ type: 'ping', payload: { n: 2 } });
    expect(await acknowledged.next()).toEqual({ type: 'pong', payload: { n: 2 } });
    // Still a working connection.
    acknowledged.send({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect(await acknowledged.next()).toMatchObject({ id: 'q', type: 'next' });
    for (const socket of [fresh, acknowledged]) {
      socket.close();
      expect((await socket.closed).code).toBe(1000);
    }
  });
});
