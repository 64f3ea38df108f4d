/**
 * Switchboard as users run it, prepared before a run: a SQLite file with users signed up,
 * rooms joined and (for replay and history) messages stored, and a token per user. Each run
 * starts the real server (src/main.ts) on a fresh copy of the file (or, scaled out, on a
 * PostgreSQL schema built for the session).
 */
import { sql } from 'kysely';
import { openLocalServices } from '../../src/cli/local-services.js';
import { loadConfig } from '../../src/config.js';
import { BROADCAST_STREAM, inboxStream, roomStream } from '../../src/services/streams.js';
import type { Viewer } from '../../src/services/viewer.js';
import { setPosition } from '../../src/storage/repositories/positions.js';
import { insertPresence } from '../../src/storage/repositories/presence.js';
import { createStream } from '../../src/storage/repositories/streams.js';
import { insertUser } from '../../src/storage/repositories/users.js';
import { ROOM_HISTORY } from './chat.js';

/** Signs every token of the run; the server gets the same secret. */
export const JWT_SECRET = 'switchboard-benchmark-secret-0123456789';

/**
 * The environment of the server under test: limits raised, logs off, durability as shipped.
 * `storage`: SQLITE_PATH, or DATABASE_URL with REDIS_URL and REDIS_PREFIX; whatever of those
 * the bench's own environment holds does not reach the server.
 */
export function serverEnvironment(
  storage: Record<string, string>,
  port: number,
): Record<string, string> {
  return {
    DATABASE_URL: '',
    REDIS_URL: '',
    REDIS_PREFIX: '',
    ...storage,
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET,
    LOG_LEVEL: 'silent',
    SEND_RATE_PER_SECOND: '10000000',
    SEND_BURST: '10000000',
    MAX_CONNECTIONS_PER_USER: '100000',
    CONNECTION_INIT_TIMEOUT_MS: '60000',
  };
}

export interface Template {
  /** The SQLite file, or the DATABASE_URL of the schema the data is in. */
  path: string;
  /** tokens[i] belongs to user i + 1. */
  tokens: string[];
  /** Room ids by name. */
  rooms: Record<string, string>;
}

export interface RoomPlan {
  name: string;
  /** User ids, 1-based; the first creates the room. */
  members: number[];
  maxMembers: number;
  /** TEXT messages stored after the joins, by the first member, straight into storage. */
  messages?: number;
}

/** Where a template is built: a SQLite file's path, or a PostgreSQL database (its schema). */
export type TemplateStore = string | { databaseUrl: string };

/** Signs up `users` users and builds the rooms, in one store; minutes of scrypt skipped. */
export async function buildTemplate(
  store: TemplateStore,
  users: number,
  plans: RoomPlan[],
): Promise<Template> {
  const path = typeof store === 'string' ? store : store.databaseUrl;
  const location = typeof store === 'string' ? { SQLITE_PATH: store } : { DATABASE_URL: path };
  const config = loadConfig({ ...location, JWT_SECRET, SQLITE_SYNCHRONOUS: 'NORMAL' });
  const local = await openLocalServices(config);
  try {
    const at = new Date().toISOString();
    // What AuthService.signUp writes, without its password hash (sign-in is not benchmarked).
    await local.db.transaction().execute(async (trx) => {
      for (let i = 1; i <= users; i += 1) {
        const user = await insertUser(trx, { name: `u${i}`, passwordHash: '-', createdAt: at });
        await insertPresence(trx, user.id);
        await createStream(trx, inboxStream(user.id));
        await setPosition(trx, user.id, inboxStream(user.id), 0);
        await setPosition(trx, user.id, BROADCAST_STREAM, 0);
      }
    });
    const viewer = (id: number): Viewer => ({
      id,
      name: `u${id}`,
      isAdmin: false,
      expiresAt: Math.floor(Date.now() / 1000) + 86_400,
    });
    const rooms: Record<string, string> = {};
    for (const plan of plans) {
      const [owner, ...others] = plan.members;
      if (owner === undefined) throw new Error(`room ${plan.name} has no members`);
      const room = await local.rooms.create(viewer(owner), plan.name, false, plan.maxMembers);
      for (const member of others) await local.rooms.join(viewer(member), String(room.id));
      rooms[plan.name] = String(room.id);
      if (plan.messages) await storeMessages(local.db, room.id, owner, plan.messages);
    }
    const tokens: string[] = [];
    for (let i = 1; i <= users; i += 1) tokens.push(await local.tokens.issue(i));
    return { path, tokens, rooms };
  } finally {
    await local.close();
  }
}

type LocalDb = Awaited<ReturnType<typeof openLocalServices>>['db'];

/** Appends `count` TEXT messages to a room's stream in SQL, as sends would store them. */
async function storeMessages(db: LocalDb, roomId: number, senderId: number, count: number) {
  const stream = roomStream(roomId);
  const at = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const head = await sql<{ last_seq: number; max_id: number }>`
      SELECT last_seq, (SELECT coalesce(max(id), 0) FROM messages) AS max_id
      FROM streams WHERE id = ${stream}`.execute(trx);
    const { last_seq: lastSeq, max_id: maxId } = head.rows[0] ?? { last_seq: 0, max_id: 0 };
    await sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
      INSERT INTO messages (id, channel, kind, room_id, sender_id, content, created_at)
      SELECT ${maxId} + i, 'ROOM', 'TEXT', ${roomId}, ${senderId},
        'stored message ' || i || ' of a long room history, about as long as a chat line', ${at}
      FROM n`.execute(trx);
    await sql`INSERT INTO stream_entries (stream_id, seq, message_id, created_at)
      SELECT ${stream}, ${lastSeq} + id - ${maxId}, id, ${at} FROM messages
      WHERE id > ${maxId} ORDER BY id`.execute(trx);
    await sql`UPDATE streams SET last_seq = ${lastSeq + count} WHERE id = ${stream}`.execute(trx);
  });
}

interface HistoryAnswer {
  data?: {
    roomHistory: {
      edges: { cursor: string }[];
      pageInfo: { startCursor: string | null; endCursor: string | null };
    };
  };
  errors?: { message: string }[];
}

/** A page of roomHistory over HTTP, as a client asks for it. */
export async function roomHistory(
  url: string,
  token: string,
  variables: Record<string, string | number>,
): Promise<HistoryAnswer['data'] & object> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: ROOM_HISTORY, variables }),
  });
  const answer = (await response.json()) as HistoryAnswer;
  if (!answer.data) throw new Error(`roomHistory: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

/** The cursor of a room's last message: subscribing `after` it replays nothing. */
export async function headCursor(url: string, token: string, roomId: string): Promise<string> {
  const page = await roomHistory(url, token, { roomId, last: 1 });
  const cursor = page.roomHistory.pageInfo.endCursor;
  if (!cursor) throw new Error(`room ${roomId} is empty`);
  return cursor;
}

/** The cursor of a room's first message. */
export async function firstCursor(url: string, token: string, roomId: string): Promise<string> {
  const page = await roomHistory(url, token, { roomId, first: 1 });
  const cursor = page.roomHistory.pageInfo.endCursor;
  if (!cursor) throw new Error(`room ${roomId} is empty`);
  return cursor;
}
