import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/ops/readiness.js';
import { graphql } from './gql/index.js';
import { describeWithRedis, redisPrefix, redisUrl } from './helpers/backends.js';
import {
  connected,
  expectCode,
  nextClose,
  signUp,
  subscribe,
  type TestUser,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { sample } from './helpers/metrics.js';
import { startProxy } from './helpers/proxy.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const OpsCreateRoomDoc = graphql(`
  mutation OpsCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const OpsSendDoc = graphql(`
  mutation OpsSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      seq
    }
  }
`);

const OpsWatchDoc = graphql(`
  subscription OpsWatch($roomId: ID!) {
    roomMessages(roomId: $roomId) {
      seq
      content
    }
  }
`);

const OpsStatsDoc = graphql(`
  query OpsStats {
    stats {
      connections
      onlineUsers
      rooms
      users
      messagesPerSecond
    }
  }
`);

/** The value of one sample in Prometheus text format, e.g. `x_total{channel="ROOM"}`. */
async function metricsText(server: TestServer): Promise<string> {
  const response = await fetch(new URL('/metrics', server.url));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('operations', () => {
  let server: TestServer;
  let admin: TestUser;
  let alice: TestUser;
  const adminName = uniqueName('admin');

  beforeAll(async () => {
    server = await startTestServer({ ADMIN_USERS: adminName });
    admin = await signUp(server, adminName);
    alice = await signUp(server);
  });
  afterAll(() => server.close());

  it('answers /health and /ready with the database reachable', async () => {
    const health = await fetch(new URL('/health', server.url));
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    const ready = await fetch(new URL('/ready', server.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: 'ok' } });
  });

  it('gives each request an id, keeping the one a proxy sent', async () => {
    const fresh = await fetch(new URL('/health', server.url));
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'edge-42' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(given.headers.get('x-request-id')).toBe('edge-42');
    const forged = await fetch(new URL('/health', server.url), {
      headers: { 'x-request-id': 'no spaces\tor tabs' },
    });
    expect(forged.headers.get('x-request-id')).not.toContain(' ');
  });

  it('counts connections, subscriptions, sends, deliveries, replay and database time', async () => {
    const { createRoom } = await alice.http.request(OpsCreateRoomDoc, { name: 'metrics' });
    for (const content of ['one', 'two', 'three'])
      await alice.http.request(OpsSendDoc, { roomId: createRoom.id, content });

    const client = wsClient(server, alice.token, { lazy: false });
    await connected(client);
    // The join plus three messages are the backlog this subscription replays.
    const watch = subscribe(client, OpsWatchDoc, { roomId: createRoom.id });
    expect((await watch.take(4)).map((m) => m.roomMessages.content)).toEqual([
      expect.stringContaining('joined'),
      'one',
      'two',
      'three',
    ]);
    await alice.http.request(OpsSendDoc, { roomId: createRoom.id, content: 'live' });
    await watch.take(1);

    const during = await metricsText(server);
    expect(sample(during, 'switchboard_websocket_connections')).toBe(1);
    expect(sample(during, 'switchboard_subscriptions{field="roomMessages"}')).toBe(1);
    expect(sample(during, 'switchboard_sends_total{channel="ROOM"}')).toBe(4);
    expect(sample(during, 'switchboard_deliveries_total{field="roomMessages"}')).toBe(5);
    expect(sample(during, 'switchboard_replayed_messages_total')).toBe(4);
    expect(sample(during, 'switchboard_replay_backlog_messages_count')).toBe(1);
    expect(sample(during, 'switchboard_replays_in_progress')).toBe(0);
    // One replay of four messages: its speed is those four over the time it took.
    expect(sample(during, 'switchboard_replay_messages_per_second_count')).toBe(1);
    expect(sample(during, 'switchboard_replay_seconds_count')).toBe(1);
    const speed = sample(during, 'switchboard_replay_messages_per_second_sum') ?? 0;
    const seconds = sample(during, 'switchboard_replay_seconds_sum') ?? 0;
    expect(speed).toBeGreaterThan(0);
    expect(speed * seconds).toBeCloseTo(4, 6);
    expect(sample(during, 'switchboard_db_query_seconds_count')).toBeGreaterThan(10);
    // The Yoga plugin's own metrics share the registry.
    expect(during).toContain('graphql_envelop_phase_execute');

    const stats = await admin.http.request(OpsStatsDoc);
    expect(stats.stats).toMatchObject({ connections: 1, onlineUsers: 1, users: 2 });
    expect(stats.stats.rooms).toBeGreaterThanOrEqual(1);
    // Four messages in the last minute (the join is SYSTEM and not counted).
    expect(stats.stats.messagesPerSecond).toBeCloseTo(4 / 60, 5);

    watch.dispose();
    const closed = new Promise<void>((resolve) => client.on('closed', () => resolve()));
    await client.dispose();
    await closed;
    // The server sees the close a moment after the client: wait for the gauges, never sleep.
    await expect
      .poll(async () => {
        const after = await metricsText(server);
        return [
          sample(after, 'switchboard_websocket_connections'),
          sample(after, 'switchboard_subscriptions{field="roomMessages"}'),
        ];
      })
      .toEqual([0, 0]);
  });

  it('keeps stats for admins', async () => {
    await expectCode(alice.http.request(OpsStatsDoc), 'FORBIDDEN');
  });

  it('keeps the metrics of two apps in one process apart', async () => {
    const other = await startTestServer();
    try {
      const text = await metricsText(other);
      expect(sample(text, 'switchboard_sends_total{channel="ROOM"}')).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('readiness checks', () => {
  it('reports each failing dependency by name', async () => {
    const readiness = await runChecks([
      { name: 'database', check: async () => undefined },
      {
        name: 'redis',
        check: async () => {
          throw new Error('connection refused');
        },
      },
    ]);
    expect(readiness).toEqual({ ready: false, checks: { database: 'ok', redis: 'failing' } });
  });
});

describeWithRedis('readiness with Redis', () => {
  it('/ready fails while Redis is unreachable and recovers with it; /health does not depend on it; new sockets are told to come back later', async () => {
    const link = await startProxy(() => redisUrl ?? '');
    const server = await startTestServer({
      REDIS_URL: `redis://127.0.0.1:${new URL(link.httpUrl).port}`,
      REDIS_PREFIX: redisPrefix(),
    });
    const probe = async (path: string) => {
      const response = await fetch(new URL(path, server.url));
      return { status: response.status, body: await response.text() };
    };
    try {
      expect(await probe('/ready')).toEqual({
        status: 200,
        body: JSON.stringify({ ready: true, checks: { database: 'ok', redis: 'ok' } }),
      });
      link.offline();
      let down = await probe('/ready');
      while (down.status === 200) down = await probe('/ready');
      expect(JSON.parse(down.body)).toEqual({
        ready: false,
        checks: { database: 'ok', redis: 'failing' },
      });
      expect((await probe('/health')).status).toBe(200);
      // Presence cannot register a connection: 1013, and the client may retry.
      const user = await signUp(server);
      expect(await nextClose(wsClient(server, user.token, { lazy: false }))).toBe(1013);
      link.online();
      while ((await probe('/ready')).status !== 200) {
        /* poll until the client has reconnected */
      }
    } finally {
      await server.close();
      await link.close();
    }
  });
});
