import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { ConfigError, loadConfig } from '../config.js';
import type { Viewer } from '../services/viewer.js';
import { openLocalServices } from './local-services.js';

const USAGE = `usage: npm run seed -- [--users 20] [--rooms 5] [--messages 500] [--directs 50]
                     [--prefix demo] [--password "demo password"]

Fills the configured database with demo users (<prefix>1..N, all with one password),
public rooms (<prefix>-room-1..N) that every user joins, room messages from random members
and direct messages between random users. Users and rooms that exist already are reused.`;

const LINES = [
  'hello everyone',
  'has anyone seen the build logs?',
  'lunch at noon?',
  'deploying now',
  'looks good to me',
  'on it',
  'thanks!',
  'can you review my change?',
];

function count(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 10_000_000)
    throw new ConfigError(`--${flag} must be a whole number from 0 to 10000000, got "${raw}"`);
  return value;
}

const pick = <T>(items: readonly T[]): T => {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

/** Demo data for trying the API, the demo page or a benchmark: `npm run seed -- --messages 10000`. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      rooms: { type: 'string' },
      messages: { type: 'string' },
      directs: { type: 'string' },
      prefix: { type: 'string', default: 'demo' },
      password: { type: 'string', default: 'demo password' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  const users = Math.max(1, count(values.users, 'users', 20));
  const rooms = count(values.rooms, 'rooms', 5);
  const messages = rooms === 0 ? 0 : count(values.messages, 'messages', 500);
  const directs = users < 2 ? 0 : count(values.directs, 'directs', 50);
  const config = loadConfig();
  const local = await openLocalServices(config);
  const startedAt = performance.now();
  // Drawn on stderr, so stdout keeps only the summary (and without a terminal, nothing).
  const bar = new SingleBar(
    { format: '{task} [{bar}] {value}/{total} {percentage}% | eta {eta}s', stream: process.stderr },
    Presets.shades_classic,
  );
  try {
    bar.start(users + rooms + messages + directs, 0, { task: 'users   ' });
    const viewers: Viewer[] = [];
    for (let i = 1; i <= users; i += 1) {
      const name = `${values.prefix}${i}`;
      const signed = await local.auth
        .signUp(name, values.password)
        .catch(() => local.auth.signIn(name, values.password));
      viewers.push({
        id: signed.user.id,
        name: signed.user.name,
        isAdmin: config.adminUsers.has(name.toLowerCase()),
        expiresAt: Number.MAX_SAFE_INTEGER,
      });
      bar.increment({ task: 'users   ' });
    }
    const owner = viewers[0];
    if (!owner) throw new Error('no user to own the rooms');
    const roomIds: string[] = [];
    for (let i = 1; i <= rooms; i += 1) {
      const room = await local.rooms.create(owner, `${values.prefix}-room-${i}`, false, 10_000);
      roomIds.push(String(room.id));
      for (const viewer of viewers.slice(1)) await local.rooms.join(viewer, String(room.id));
      bar.increment({ task: 'rooms   ' });
    }
    for (let i = 0; i < messages; i += 1) {
      await local.messages.sendToRoom(pick(viewers), pick(roomIds), pick(LINES), undefined);
      bar.increment({ task: 'messages' });
    }
    for (let i = 0; i < directs; i += 1) {
      const from = pick(viewers);
      const to = pick(viewers.filter((viewer) => viewer.id !== from.id));
      await local.messages.sendDirect(from, String(to.id), pick(LINES), undefined);
      bar.increment({ task: 'directs ' });
    }
  } finally {
    bar.stop();
    await local.close();
  }
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    `seeded ${users} users, ${rooms} rooms, ${messages} room messages and ${directs} direct messages in ${seconds} s (password "${values.password}")`,
  );
  return 0;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  return 1;
});
