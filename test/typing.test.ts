import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { graphql } from './gql/index.js';
import { describeBackends } from './helpers/backends.js';
import { expectCode, signUp, type TestUser, uniqueName } from './helpers/clients.js';
import { rowCounts } from './helpers/rows.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type SseSubscription, sseSubscribe } from './helpers/sse.js';

const TypingCreateRoomDoc = graphql(`
  mutation TypingCreateRoom($name: String!, $isPrivate: Boolean) {
    createRoom(name: $name, isPrivate: $isPrivate) {
      id
    }
  }
`);

const TypingJoinDoc = graphql(`
  mutation TypingJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

const TypingInviteDoc = graphql(`
  mutation TypingInvite($roomId: ID!, $userId: ID!) {
    inviteToRoom(roomId: $roomId, userId: $userId) {
      id
    }
  }
`);

const TypingLeaveDoc = graphql(`
  mutation TypingLeave($roomId: ID!) {
    leaveRoom(roomId: $roomId) {
      id
    }
  }
`);

const TypingSetDoc = graphql(`
  mutation TypingSet($roomId: ID, $toUserId: ID, $typing: Boolean!) {
    setTyping(roomId: $roomId, toUserId: $toUserId, typing: $typing)
  }
`);

const TypingEventsDoc = graphql(`
  subscription TypingEvents($roomId: ID, $fromUserId: ID) {
    typing(roomId: $roomId, fromUserId: $fromUserId) {
      user {
        id
      }
      room {
        id
      }
      typing
    }
  }
`);

/** Short enough for tests to wait on events, long enough to tell apart on a busy machine. */
const EXPIRY_MS = 600;
const INTERVAL_MS = 400;
/**
 * Timers never fire early, but events reach the client with varying delay. An unpaced
 * change would follow the one before within a request's round trip, well inside this.
 */
const DELIVERY_SLACK_MS = 150;

type Events = SseSubscription<{
  typing: { user: { id: string }; room: { id: string } | null; typing: boolean };
}>;

/** The next typing event and when it arrived. */
async function nextEvent(sub: Events) {
  const { data, at } = await sub.nextTimed();
  return { ...data.typing, at };
}

describeBackends('typing', (backend) => {
  let server: TestServer;
  const open: Events[] = [];
  const onClose: TestServer[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      ...backend.env(),
      TYPING_EXPIRY_MS: String(EXPIRY_MS),
      TYPING_INTERVAL_MS: String(INTERVAL_MS),
    });
  });
  afterAll(async () => {
    await Promise.all(open.map((sub) => sub.close()));
    await Promise.all([server, ...onClose].map((s) => s.close()));
  });

  async function follow(
    user: TestUser,
    variables: { roomId?: string; fromUserId?: string },
    on: TestServer = server,
  ): Promise<Events> {
    const sub = await sseSubscribe(on, user.token, TypingEventsDoc, variables);
    open.push(sub);
    return sub;
  }

  async function setTyping(
    user: TestUser,
    target: { roomId?: string; toUserId?: string },
    typing: boolean,
  ): Promise<boolean> {
    return (await user.http.request(TypingSetDoc, { ...target, typing })).setTyping;
  }

  async function room(owner: TestUser, members: TestUser[], isPrivate = false): Promise<string> {
    const { createRoom } = await owner.http.request(TypingCreateRoomDoc, {
      name: uniqueName('room'),
      isPrivate,
    });
    for (const member of members) {
      if (isPrivate)
        await owner.http.request(TypingInviteDoc, { roomId: createRoom.id, userId: member.id });
      else await member.http.request(TypingJoinDoc, { roomId: createRoom.id });
    }
    return createRoom.id;
  }

  it('tells the other members of a room, never the typer, and forwards an explicit stop', async () => {
    // Typing that lasts a minute: the "false" bob sees can only be alice's explicit stop.
    const longer = await startTestServer({
      ...backend.env(),
      TYPING_EXPIRY_MS: '60000',
    });
    onClose.push(longer);
    const [alice, bob] = await Promise.all([signUp(longer), signUp(longer)]);
    const roomId = await room(alice, [bob]);
    const [bobSees, aliceSees] = await Promise.all([
      follow(bob, { roomId }, longer),
      follow(alice, { roomId }, longer),
    ]);

    expect(await setTyping(alice, { roomId }, true)).toBe(true);
    const started = await nextEvent(bobSees);
    expect(started).toMatchObject({ user: { id: alice.id }, room: { id: roomId }, typing: true });

    await setTyping(bob, { roomId }, true);
    // The first thing alice sees is bob: her own typing never came back to her.
    expect(await nextEvent(aliceSees)).toMatchObject({ user: { id: bob.id }, typing: true });

    await setTyping(alice, { roomId }, false);
    const stopped = await nextEvent(bobSees);
    expect(stopped).toMatchObject({ user: { id: alice.id }, typing: false });
    expect(stopped.at - started.at).toBeLessThan(60_000);
  });

  it('refreshes typing on a repeat without an event, then expires it with a server-sent false', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await room(alice, [bob]);
    const bobSees = await follow(bob, { roomId });

    await setTyping(alice, { roomId }, true);
    const started = await nextEvent(bobSees);
    let lastRepeat = Date.now();
    // Repeats for twice the expiry: without the refresh, "false" would come during them.
    while (Date.now() - started.at < 2 * EXPIRY_MS) {
      lastRepeat = Date.now();
      await setTyping(alice, { roomId }, true);
    }
    const expired = await nextEvent(bobSees);
    expect(expired).toMatchObject({ user: { id: alice.id }, room: { id: roomId }, typing: false });
    // The server refreshed on the last repeat, after it was sent: expiry is counted from there.
    expect(expired.at - lastRepeat).toBeGreaterThanOrEqual(EXPIRY_MS - 5);
  });

  it('forwards at most one change per interval, the net change at its end, dropping none', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const bobSees = await follow(bob, { fromUserId: alice.id });
    const dm = { toUserId: bob.id };

    await setTyping(alice, dm, true);
    const first = await nextEvent(bobSees);
    await setTyping(alice, dm, false);
    const second = await nextEvent(bobSees);
    // Inside a flicker true-false-true the net change is "true", sent once when the window ends.
    await setTyping(alice, dm, true);
    await setTyping(alice, dm, false);
    await setTyping(alice, dm, true);
    const third = await nextEvent(bobSees);
    await setTyping(alice, dm, false);
    const fourth = await nextEvent(bobSees);

    const events = [first, second, third, fourth];
    expect(events.map((e) => e.typing)).toEqual([true, false, true, false]);
    expect(events.every((e) => e.user.id === alice.id && e.room === null)).toBe(true);
    for (let i = 1; i < events.length; i += 1) {
      const gap = (events[i]?.at ?? 0) - (events[i - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS - DELIVERY_SLACK_MS);
    }
  });

  it('sends direct typing to the recipient’s typing() and typing(fromUserId) only', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await room(alice, [bob]);
    const [bobAll, bobFromAlice, bobFromCarol, carolAll] = await Promise.all([
      follow(bob, {}),
      follow(bob, { fromUserId: alice.id }),
      follow(bob, { fromUserId: carol.id }),
      follow(carol, {}),
    ]);

    await setTyping(alice, { toUserId: bob.id }, true);
    const fromAlice = { user: { id: alice.id }, room: null, typing: true };
    expect(await nextEvent(bobAll)).toMatchObject(fromAlice);
    expect(await nextEvent(bobFromAlice)).toMatchObject(fromAlice);

    await setTyping(carol, { toUserId: bob.id }, true);
    // Each first event proves the earlier ones went elsewhere.
    expect(await nextEvent(bobFromCarol)).toMatchObject({ user: { id: carol.id }, typing: true });
    expect(await nextEvent(bobAll)).toMatchObject({ user: { id: carol.id }, typing: true });
    await setTyping(bob, { toUserId: carol.id }, true);
    expect(await nextEvent(carolAll)).toMatchObject({ user: { id: bob.id }, typing: true });

    // Room typing is not direct typing.
    await setTyping(alice, { roomId }, true);
    await setTyping(alice, { toUserId: bob.id }, false);
    expect(await nextEvent(bobAll)).toMatchObject({ ...fromAlice, typing: false });
  });

  it('stores nothing and replays nothing', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await room(alice, [bob, carol]);
    const bobSees = await follow(bob, { roomId });
    const before = await rowCounts(server);

    await setTyping(alice, { roomId }, true);
    await setTyping(alice, { toUserId: bob.id }, true);
    expect(await nextEvent(bobSees)).toMatchObject({ user: { id: alice.id }, typing: true });
    expect(await rowCounts(server)).toEqual(before);

    // A later subscriber gets what happens next, not alice's earlier "true".
    const carolSees = await follow(carol, { roomId });
    await setTyping(bob, { roomId }, true);
    expect(await nextEvent(carolSees)).toMatchObject({ user: { id: bob.id }, typing: true });
  });

  it('ends the typing subscription of a member who leaves a private room', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await room(alice, [bob], true);
    const bobSees = await follow(bob, { roomId });
    await bob.http.request(TypingLeaveDoc, { roomId });
    await bobSees.completed();
  });

  it('refuses bad input with a clear error', async () => {
    const [alice, bob, outsider] = await Promise.all([
      signUp(server),
      signUp(server),
      signUp(server),
    ]);
    const publicRoom = await room(alice, [bob]);
    const privateRoom = await room(alice, [bob], true);

    await expectCode(
      setTyping(bob, { roomId: publicRoom, toUserId: alice.id }, true),
      'BAD_USER_INPUT',
    );
    await expectCode(setTyping(bob, {}, true), 'BAD_USER_INPUT');
    await expectCode(setTyping(outsider, { roomId: publicRoom }, true), 'FORBIDDEN');
    await expectCode(setTyping(outsider, { roomId: privateRoom }, true), 'NOT_FOUND');
    await expectCode(setTyping(bob, { toUserId: '999999' }, true), 'NOT_FOUND');

    const failure = (user: TestUser, variables: { roomId?: string; fromUserId?: string }) =>
      sseSubscribe(server, user.token, TypingEventsDoc, variables).then((sub) => sub.next());
    await expectCode(failure(bob, { roomId: publicRoom, fromUserId: alice.id }), 'BAD_USER_INPUT');
    await expectCode(failure(outsider, { roomId: publicRoom }), 'FORBIDDEN');
    await expectCode(failure(outsider, { roomId: privateRoom }), 'NOT_FOUND');
    await expectCode(failure(bob, { fromUserId: '999999' }), 'NOT_FOUND');
  });
});

describe('typing configuration', () => {
  it('defaults to FEATURES.md: 6 s of typing, one change per second', () => {
    expect(loadConfig({})).toMatchObject({ typingExpiryMs: 6_000, typingIntervalMs: 1_000 });
    expect(loadConfig({ TYPING_EXPIRY_MS: '250', TYPING_INTERVAL_MS: '0' })).toMatchObject({
      typingExpiryMs: 250,
      typingIntervalMs: 0,
    });
  });

  it.each([{ TYPING_EXPIRY_MS: '0' }, { TYPING_EXPIRY_MS: 'soon' }, { TYPING_INTERVAL_MS: '-1' }])(
    'stops the start on a bad value: %o',
    (env) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    },
  );
});
