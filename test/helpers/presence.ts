import type { Client } from 'graphql-ws';
import { expect } from 'vitest';
import type { PresenceWatchSubscription } from '../gql/graphql.js';
import { graphql } from '../gql/index.js';
import { ChatJoinRoomDoc } from './chat.js';
import {
  connected,
  type Subscription,
  signUp,
  subscribe as subscribeTo,
  type TestUser,
  wsClient,
} from './clients.js';
import type { TestServer } from './server.js';

export const PresenceWatchDoc = graphql(`
  subscription PresenceWatch($roomId: ID) {
    presenceChanged(roomId: $roomId) {
      user {
        id
      }
      status
      lastSeenAt
      connectionCount
    }
  }
`);

export const PresenceSetDoc = graphql(`
  mutation PresenceSet($status: PresenceStatus!) {
    setPresence(status: $status) {
      user {
        id
      }
      status
      lastSeenAt
      connectionCount
    }
  }
`);

export type PresenceEvent = PresenceWatchSubscription['presenceChanged'];
export type PresenceWatch = Subscription<PresenceWatchSubscription>;

/** The next event about `userId`, skipping events about anyone else. */
export async function nextFor(sub: PresenceWatch, userId: string): Promise<PresenceEvent> {
  for (;;) {
    const [event] = await sub.take(1);
    if (event?.presenceChanged.user.id === userId) return event.presenceChanged;
  }
}

/** Every event about `userId` received so far. */
export function eventsFor(sub: PresenceWatch, userId: string): PresenceEvent[] {
  return sub.received.map((e) => e.presenceChanged).filter((p) => p.user.id === userId);
}

/** The user connected over graphql-ws to `server`. */
export async function online(server: TestServer, user: TestUser): Promise<Client> {
  const client = wsClient(server, user.token, { lazy: false });
  await connected(client);
  return client;
}

/**
 * A connected user on `server` subscribed to presenceChanged (of a room they join, if
 * given), returned once the subscription is live. Presence has no replay, so the observer
 * flips its own status until it sees one flip.
 */
export async function presenceObserver(server: TestServer, roomId?: string) {
  const user = await signUp(server);
  const client = await online(server, user);
  if (roomId) await user.http.request(ChatJoinRoomDoc, { roomId });
  const sub = subscribe(client, roomId);
  let live = false;
  const seen = nextFor(sub, user.id).finally(() => {
    live = true;
  });
  for (let away = true; !live; away = !away) {
    await user.http.request(PresenceSetDoc, { status: away ? 'AWAY' : 'ONLINE' });
  }
  await seen;
  return { user, client, sub };
}

/** A fresh user going ONLINE on `server`; once it is seen, every earlier change has been too. */
export async function presenceMarker(sub: PresenceWatch, server: TestServer): Promise<Client> {
  const user = await signUp(server);
  const client = await online(server, user);
  expect((await nextFor(sub, user.id)).status).toBe('ONLINE');
  return client;
}

function subscribe(client: Client, roomId: string | undefined): PresenceWatch {
  return subscribeTo(client, PresenceWatchDoc, roomId ? { roomId } : {});
}
