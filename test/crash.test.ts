import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ClientError } from 'graphql-request';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/storage/db.js';
import type { CrashHistoryQuery } from './gql/graphql.js';
import { graphql } from './gql/index.js';
import { signUp, type TestUser } from './helpers/clients.js';
import { type ServerProcess, spawnServer } from './helpers/process.js';
import type { TestServer } from './helpers/server.js';

const CrashCreateRoomDoc = graphql(`
  mutation CrashCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const CrashJoinRoomDoc = graphql(`
  mutation CrashJoinRoom($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

const CrashSendDoc = graphql(`
  mutation CrashSend($roomId: ID!, $content: String!, $clientId: String) {
    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {
      id
      seq
      cursor
      clientId
      content
    }
  }
`);

const CrashHistoryDoc = graphql(`
  query CrashHistory($roomId: ID!, $first: Int, $after: String) {
    roomHistory(roomId: $roomId, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          seq
          kind
          clientId
          content
          sender {
            id
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const dir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
const sqlitePath = join(dir, 'switchboard.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** src/main.ts in its own process, always on the same SQLite file. */
function startProcess(): Promise<ServerProcess> {
  return spawnServer({
    SQLITE_PATH: sqlitePath,
    // Fixed, so that tokens survive restarts.
    JWT_SECRET: 'test-secret-that-is-long-enough',
    // The limiter must not refuse anything: every refusal would be an unknown outcome less.
    SEND_RATE_PER_SECOND: '1000000',
    SEND_BURST: '1000000',
  });
}

interface Ack {
  id: string;
  seq: number;
  cursor: string;
  senderId: string;
}

interface Stored {
  id: string;
  seq: number;
  cursor: string;
  kind: string;
  clientId: string | null | undefined;
  content: string;
  senderId: string | undefined;
}

// ~11 s on an idle 2-core machine; generous so a busy CI machine slows it without failing it.
const CRASH_TIMEOUT_MS = 240_000;

describe('crash durability (Jepsen-style set test)', () => {
  it(
    'keeps every acknowledged send, with its seq, through repeated kill -9',
    async () => {
      const ROUNDS = 4;
      const WRITERS = 6;
      const ACKS_BEFORE_KILL = 50;

      let current = await startProcess();
      // Users follow `target` to each new process (their `http` getter reads `url` per request).
      const target: TestServer = {
        get url() {
          return current.url;
        },
        get wsUrl() {
          return current.url.replace(/^http/, 'ws');
        },
        sqlitePath,
        restart: () => Promise.reject(new Error('not supported')),
        openDb: () => openSqlite(sqlitePath),
        close: () => current.kill(),
      };

      try {
        const users: TestUser[] = [];
        for (let i = 0; i < 3; i += 1) users.push(await signUp(target));
        const [owner, ...others] = users;
        if (!owner) throw new Error('no users');
        const { createRoom } = await owner.http.request(CrashCreateRoomDoc, { name: 'crash' });
        const roomId = createRoom.id;
        for (const user of others) await user.http.request(CrashJoinRoomDoc, { roomId });

        /** clientId -> the sender it was attempted by, for every send ever attempted. */
        const attempted = new Map<string, TestUser>();
        /** clientId -> what the server acknowledged. */
        const acked = new Map<string, Ack>();
        /** Sends whose connection failed: committed or not, nobody knows. */
        let unknown: string[] = [];
        /** Anything but an ack or a network failure: none is expected. */
        const unexpected: unknown[] = [];

        const send = async (user: TestUser, clientId: string) => {
          const { sendRoomMessage: m } = await user.http.request(CrashSendDoc, {
            roomId,
            content: `content of ${clientId}`,
            clientId,
          });
          expect(m.clientId).toBe(clientId);
          expect(m.content).toBe(`content of ${clientId}`);
          return { id: m.id, seq: m.seq, cursor: m.cursor, senderId: user.id };
        };

        const readHistory = async (): Promise<Stored[]> => {
          const all: Stored[] = [];
          let after: string | null = null;
          for (;;) {
            const { roomHistory }: CrashHistoryQuery = await owner.http.request(CrashHistoryDoc, {
              roomId,
              first: 100,
              after,
            });
            for (const { cursor, node } of roomHistory.edges) {
              all.push({
                id: node.id,
                seq: node.seq,
                cursor,
                kind: node.kind,
                clientId: node.clientId,
                content: node.content,
                senderId: node.sender?.id,
              });
            }
            if (!roomHistory.pageInfo.hasNextPage) return all;
            after = roomHistory.pageInfo.endCursor ?? null;
            if (after === null) throw new Error('hasNextPage without an endCursor');
          }
        };

        /** The set-test invariants, checked against the history the restarted server serves. */
        const check = (history: Stored[]) => {
          // The stream is 1..head: no gap, no duplicate.
          expect(history.map((m) => m.seq)).toEqual(history.map((_, i) => i + 1));
          const byClientId = new Map<string, Stored>();
          for (const m of history) {
            if (m.kind !== 'TEXT') continue;
            // Nothing unattempted, and by the sender who attempted it.
            expect(m.clientId, `seq ${m.seq} has no clientId`).toBeTypeOf('string');
            const clientId = m.clientId as string;
            expect(attempted.has(clientId), `${clientId} was never attempted`).toBe(true);
            expect(m.senderId).toBe(attempted.get(clientId)?.id);
            expect(m.content).toBe(`content of ${clientId}`);
            // Each clientId at most once.
            expect(byClientId.has(clientId), `${clientId} stored twice`).toBe(false);
            byClientId.set(clientId, m);
          }
          // Every acknowledged send is there, exactly as acknowledged.
          for (const [clientId, ack] of acked) {
            const stored = byClientId.get(clientId);
            expect(stored, `acknowledged ${clientId} (seq ${ack.seq}) is lost`).toBeDefined();
            expect({ id: stored?.id, seq: stored?.seq, cursor: stored?.cursor }).toEqual({
              id: ack.id,
              seq: ack.seq,
              cursor: ack.cursor,
            });
          }
          return byClientId;
        };

        let unknownCommitted = 0;
        let unknownNotCommitted = 0;
        for (let round = 0; round < ROUNDS; round += 1) {
          if (round > 0) {
            current = await startProcess();
            const before = check(await readHistory());
            const head =
              before.size === 0 ? 0 : Math.max(...[...before.values()].map((m) => m.seq));
            // Idempotency across the crash: a resend of an unknown-outcome send returns the
            // stored message if it committed, and is stored (once) now if it did not.
            for (const clientId of unknown) {
              const user = attempted.get(clientId);
              if (!user) throw new Error(`unattempted ${clientId}`);
              const again = await send(user, clientId);
              const stored = before.get(clientId);
              if (stored) {
                unknownCommitted += 1;
                expect({ id: again.id, seq: again.seq }).toEqual({
                  id: stored.id,
                  seq: stored.seq,
                });
              } else {
                unknownNotCommitted += 1;
                expect(again.seq).toBeGreaterThan(head);
              }
              // And a second resend changes nothing.
              expect(await send(user, clientId)).toEqual(again);
              acked.set(clientId, again);
            }
            unknown = [];
          }

          // Writers run until the process dies under them; the kill waits on acks, not time.
          let acksThisRound = 0;
          let killed: Promise<void> | undefined;
          const proc = current;
          const writer = async (w: number) => {
            const user = users[w % users.length] as TestUser;
            for (let n = 0; ; n += 1) {
              const clientId = `r${round}-w${w}-${n}`;
              attempted.set(clientId, user);
              try {
                acked.set(clientId, await send(user, clientId));
              } catch (error) {
                if (error instanceof ClientError) unexpected.push(error.response.errors);
                else unknown.push(clientId);
                return;
              }
              acksThisRound += 1;
              if (acksThisRound >= ACKS_BEFORE_KILL && !killed) killed = proc.kill();
            }
          };
          await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
          expect(killed, 'the process died before it was killed').toBeDefined();
          await killed;
          expect(unexpected).toEqual([]);
          expect(unknown.length).toBe(WRITERS);
        }

        // Final restart: the whole history against everything ever acknowledged.
        current = await startProcess();
        check(await readHistory());
        expect(acked.size).toBeGreaterThanOrEqual(ROUNDS * ACKS_BEFORE_KILL);
        // Resends happened for every round but the last.
        expect(unknownCommitted + unknownNotCommitted).toBe((ROUNDS - 1) * WRITERS);
        await current.kill();

        const db = new Database(sqlitePath);
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        } finally {
          db.close();
        }
      } finally {
        await current.kill();
      }
    },
    CRASH_TIMEOUT_MS,
  );
});
