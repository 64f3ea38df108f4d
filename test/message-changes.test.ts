import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import {
  ChatDirectHistoryDoc,
  createRoom,
  joinRoom,
  roomHistory,
  sendDirect,
  sendToRoom,
} from './helpers/chat.js';
import {
  expectCode,
  type Subscription,
  signUp,
  subscribe,
  type TestUser,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ChangesEditDoc = graphql(`
  mutation ChangesEdit($messageId: ID!, $content: String!) {
    editMessage(messageId: $messageId, content: $content) {
      id
      kind
      seq
      content
      target {
        id
        content
        editedAt
      }
    }
  }
`);

const ChangesDeleteDoc = graphql(`
  mutation ChangesDelete($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      id
      kind
      seq
      content
      target {
        id
        content
        deletedAt
      }
    }
  }
`);

const ChangesAddReactionDoc = graphql(`
  mutation ChangesAddReaction($messageId: ID!, $emoji: String!) {
    addReaction(messageId: $messageId, emoji: $emoji) {
      id
      kind
      seq
      content
      target {
        id
        reactions {
          emoji
          count
          viewerReacted
        }
      }
    }
  }
`);

const ChangesRemoveReactionDoc = graphql(`
  mutation ChangesRemoveReaction($messageId: ID!, $emoji: String!) {
    removeReaction(messageId: $messageId, emoji: $emoji) {
      id
      kind
      seq
      content
      reactions {
        emoji
        count
      }
      target {
        id
        reactions {
          emoji
          count
          viewerReacted
        }
      }
    }
  }
`);

const ChangesReplyDoc = graphql(`
  mutation ChangesReply($messageId: ID!, $content: String!) {
    replyToMessage(messageId: $messageId, content: $content) {
      id
    }
  }
`);

const ChangesLeaveDoc = graphql(`
  mutation ChangesLeave($roomId: ID!) {
    leaveRoom(roomId: $roomId) {
      id
    }
  }
`);

const ChangesRoomMessagesDoc = graphql(`
  subscription ChangesRoomMessages($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      id
      kind
      seq
      cursor
      content
      editedAt
      deletedAt
      sender {
        id
      }
      reactions {
        emoji
        count
        viewerReacted
      }
      target {
        id
        kind
        seq
        content
        editedAt
        deletedAt
        reactions {
          emoji
          count
          viewerReacted
        }
      }
    }
  }
`);

const ChangesDirectMessagesDoc = graphql(`
  subscription ChangesDirectMessages($after: String) {
    directMessages(after: $after) {
      id
      kind
      seq
      content
      sender {
        id
      }
      target {
        id
        seq
        content
        editedAt
        reactions {
          emoji
          count
          viewerReacted
        }
      }
    }
  }
`);

const ChangesBroadcastDoc = graphql(`
  mutation ChangesBroadcast($content: String!) {
    broadcast(content: $content) {
      id
    }
  }
`);

const ChangesBroadcastHistoryDoc = graphql(`
  query ChangesBroadcastHistory {
    broadcastHistory(last: 100) {
      edges {
        node {
          id
          kind
          content
          target {
            id
            reactions {
              emoji
              count
            }
          }
        }
      }
    }
  }
`);

const ADMIN = 'changes_admin';

let server: TestServer;
const clients: Client[] = [];
const subscriptions: Array<Subscription<unknown>> = [];

beforeAll(async () => {
  server = await startTestServer({ ADMIN_USERS: ADMIN });
});
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.dispose();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(async () => {
  await server.close();
});

function ws(user: TestUser): Client {
  const client = wsClient(server, user.token);
  clients.push(client);
  return client;
}

function watchRoom(user: TestUser, roomId: string, after?: string) {
  const s = subscribe(ws(user), ChangesRoomMessagesDoc, after ? { roomId, after } : { roomId });
  subscriptions.push(s as Subscription<unknown>);
  return s;
}

const edit = async (user: TestUser, messageId: string, content: string) =>
  (await user.http.request(ChangesEditDoc, { messageId, content })).editMessage;
const remove = async (user: TestUser, messageId: string) =>
  (await user.http.request(ChangesDeleteDoc, { messageId })).deleteMessage;
const react = async (user: TestUser, messageId: string, emoji: string) =>
  (await user.http.request(ChangesAddReactionDoc, { messageId, emoji })).addReaction;
const unreact = async (user: TestUser, messageId: string, emoji: string) =>
  (await user.http.request(ChangesRemoveReactionDoc, { messageId, emoji })).removeReaction;

/** Alice's public room with Bob in it. */
async function roomOfTwo() {
  const alice = await signUp(server);
  const bob = await signUp(server);
  const roomId = await createRoom(alice);
  await joinRoom(bob, roomId);
  return { alice, bob, roomId };
}

describe('edits, deletes and reactions as stream entries', () => {
  it('are seen live, and replayed in order with current state by a member who was offline', async () => {
    const { alice, bob, roomId } = await roomOfTwo();
    const carol = await signUp(server);
    await joinRoom(carol, roomId);
    const live = watchRoom(bob, roomId);
    await live.take(2); // bob joined, carol joined
    const hello = await sendToRoom(alice, roomId, 'hello');
    const kept = await sendToRoom(alice, roomId, 'keep me');
    await live.take(2);

    const edited = await edit(alice, kept.id, 'kept, edited');
    expect(edited).toMatchObject({
      kind: 'EDIT',
      seq: kept.seq + 1,
      content: 'kept, edited',
      target: { id: kept.id, content: 'kept, edited' },
    });
    expect(edited.target?.editedAt).toEqual(expect.any(String));
    const [liveEdit] = await live.take(1);
    expect(liveEdit?.roomMessages).toMatchObject({
      id: edited.id,
      kind: 'EDIT',
      seq: edited.seq,
      sender: { id: alice.id },
      target: { id: kept.id, kind: 'TEXT', seq: kept.seq, content: 'kept, edited' },
    });

    const thumbs = await react(bob, kept.id, '👍');
    expect(thumbs).toMatchObject({
      kind: 'REACTION',
      content: '👍',
      target: { id: kept.id, reactions: [{ emoji: '👍', count: 1, viewerReacted: true }] },
    });
    await react(alice, kept.id, '🎉');
    const untada = await unreact(alice, kept.id, '🎉');
    expect(untada).toMatchObject({
      kind: 'UNREACTION',
      content: '🎉',
      target: { reactions: [{ emoji: '👍', count: 1, viewerReacted: false }] },
    });
    const deleted = await remove(alice, hello.id);
    expect(deleted).toMatchObject({ kind: 'DELETE', content: '', target: { content: '' } });
    expect(deleted.target?.deletedAt).toEqual(expect.any(String));

    const changes = (await live.take(4)).map((r) => r.roomMessages);
    expect(changes.map((m) => [m.kind, m.content, m.target?.id])).toEqual([
      ['REACTION', '👍', kept.id],
      ['REACTION', '🎉', kept.id],
      ['UNREACTION', '🎉', kept.id],
      ['DELETE', '', hello.id],
    ]);
    expect(changes.map((m) => m.seq)).toEqual([0, 1, 2, 3].map((i) => edited.seq + 1 + i));
    expect(changes[3]?.target).toMatchObject({ id: hello.id, content: '' });

    // Carol was never connected: her replay applies every change in order, each read now.
    const replay = watchRoom(carol, roomId);
    const replayed = (await replay.take(8)).map((r) => r.roomMessages);
    expect(replayed.map((m) => [m.kind, m.content])).toEqual([
      ['SYSTEM', `${carol.name} joined`],
      ['TEXT', ''],
      ['TEXT', 'kept, edited'],
      ['EDIT', 'kept, edited'],
      ['REACTION', '👍'],
      ['REACTION', '🎉'],
      ['UNREACTION', '🎉'],
      ['DELETE', ''],
    ]);
    const seqs = replayed.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
    expect(replayed[1]).toMatchObject({ id: hello.id, reactions: [] });
    expect(replayed[1]?.deletedAt).toEqual(expect.any(String));
    expect(replayed[2]).toMatchObject({
      id: kept.id,
      reactions: [{ emoji: '👍', count: 1, viewerReacted: false }],
    });
    expect(replayed[2]?.editedAt).toEqual(expect.any(String));
    expect(replayed[4]?.target).toMatchObject({
      id: kept.id,
      content: 'kept, edited',
      reactions: [{ emoji: '👍', count: 1 }],
    });

    // A client resuming with `after` gets exactly what followed, then live.
    const resumed = watchRoom(bob, roomId, replayed[3]?.cursor);
    expect((await resumed.take(4)).map((r) => r.roomMessages.id)).toEqual(
      replayed.slice(4).map((m) => m.id),
    );
    const again = await edit(alice, kept.id, 'edited twice');
    const [[fromCarol], [fromResumed]] = await Promise.all([replay.take(1), resumed.take(1)]);
    expect(fromCarol?.roomMessages).toMatchObject({ id: again.id, content: 'edited twice' });
    expect(fromResumed?.roomMessages.target).toMatchObject({ content: 'edited twice' });
  });

  it('puts a change of a direct message in both inboxes, with a seq in each', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const aliceLive = subscribe(ws(alice), ChangesDirectMessagesDoc, {});
    subscriptions.push(aliceLive as Subscription<unknown>);
    const dm = await sendDirect(alice, bob, 'hi bob');
    const [sent] = await aliceLive.take(1);
    const heart = await react(bob, dm.id, '❤️');
    expect(heart).toMatchObject({ kind: 'REACTION', content: '❤️', target: { id: dm.id } });
    const fixed = await edit(alice, dm.id, 'hi, Bob');
    const [liveHeart, liveEdit] = (await aliceLive.take(2)).map((r) => r.directMessages);
    expect(liveHeart).toMatchObject({
      id: heart.id,
      kind: 'REACTION',
      seq: (sent?.directMessages.seq ?? 0) + 1,
      sender: { id: bob.id },
      target: {
        id: dm.id,
        seq: sent?.directMessages.seq,
        reactions: [{ emoji: '❤️', count: 1, viewerReacted: false }],
      },
    });
    expect(liveEdit).toMatchObject({
      id: fixed.id,
      kind: 'EDIT',
      seq: fixed.seq,
      target: { id: dm.id, content: 'hi, Bob' },
    });

    // Bob reads his own inbox: the same entries, at his own seqs.
    const { directHistory } = await bob.http.request(ChatDirectHistoryDoc, {
      withUserId: alice.id,
    });
    const bobs = directHistory.edges.map((e) => e.node);
    expect(bobs.map((m) => [m.id, m.kind, m.content])).toEqual([
      [dm.id, 'TEXT', 'hi, Bob'],
      [heart.id, 'REACTION', '❤️'],
      [fixed.id, 'EDIT', 'hi, Bob'],
    ]);
    expect(bobs[1]?.seq).toBe(heart.seq);
    expect(bobs.map((m) => m.seq)).toEqual([0, 1, 2].map((i) => (bobs[0]?.seq ?? 0) + i));
    expect(bobs[2]?.target).toMatchObject({ id: dm.id, seq: bobs[0]?.seq });
  });
});

describe('who may change what', () => {
  it('lets only the sender edit, the sender or the OWNER delete, and members act at all', async () => {
    const { alice, bob, roomId } = await roomOfTwo();
    const outsider = await signUp(server);
    const byAlice = await sendToRoom(alice, roomId, 'from alice');
    const byBob = await sendToRoom(bob, roomId, 'from bob');
    const before = await roomHistory(alice.http, roomId);

    await expectCode(edit(bob, byAlice.id, 'not mine'), 'FORBIDDEN');
    await expectCode(remove(bob, byAlice.id), 'FORBIDDEN');
    // A public room is readable by anyone, but changes are for members.
    await expectCode(react(outsider, byAlice.id, '👍'), 'FORBIDDEN');
    await expectCode(edit(outsider, byAlice.id, 'nope'), 'FORBIDDEN');
    // Only TEXT is a target: not "joined", not another change.
    const joined = before.find((m) => m.kind === 'SYSTEM');
    await expectCode(edit(alice, joined?.id ?? '', 'rewritten'), 'BAD_USER_INPUT');
    await expectCode(react(alice, joined?.id ?? '', '👍'), 'BAD_USER_INPUT');
    await expectCode(edit(alice, 'not-an-id', 'x'), 'NOT_FOUND');
    await expectCode(edit(alice, '999999', 'x'), 'NOT_FOUND');
    expect(await roomHistory(alice.http, roomId)).toEqual(before);

    // The OWNER moderates by deleting, never by rewriting someone's words.
    await expectCode(edit(alice, byBob.id, 'put in his mouth'), 'FORBIDDEN');
    const ownerDelete = await remove(alice, byBob.id);
    expect(ownerDelete).toMatchObject({ kind: 'DELETE', target: { id: byBob.id, content: '' } });
    const edits = await edit(alice, byAlice.id, 'mine to edit');
    await expectCode(react(alice, edits.id, '👍'), 'BAD_USER_INPUT');
  });

  it('refuses a delete by a non-member of a public room, even its sender after leaving: FORBIDDEN', async () => {
    const { alice, bob, roomId } = await roomOfTwo();
    const outsider = await signUp(server);
    const byBob = await sendToRoom(bob, roomId, 'said before leaving');
    await bob.http.request(ChangesLeaveDoc, { roomId });
    const before = await roomHistory(alice.http, roomId);

    await expectCode(remove(outsider, byBob.id), 'FORBIDDEN');
    await expectCode(remove(bob, byBob.id), 'FORBIDDEN');
    expect(await roomHistory(alice.http, roomId)).toEqual(before);
    expect(before.find((m) => m.id === byBob.id)).toMatchObject({ deletedAt: null });
  });

  it('hides private rooms and other people’s conversations: NOT_FOUND', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const eve = await signUp(server);
    const secret = await createRoom(alice, true);
    const inSecret = await sendToRoom(alice, secret, 'secret');
    const dm = await sendDirect(alice, bob, 'between us');
    for (const id of [inSecret.id, dm.id]) {
      await expectCode(edit(eve, id, 'x'), 'NOT_FOUND');
      await expectCode(remove(eve, id), 'NOT_FOUND');
      await expectCode(react(eve, id, '👍'), 'NOT_FOUND');
      await expectCode(unreact(eve, id, '👍'), 'NOT_FOUND');
    }
    // In a conversation each side edits only their own message.
    await expectCode(edit(bob, dm.id, 'x'), 'FORBIDDEN');
    await expectCode(remove(bob, dm.id), 'FORBIDDEN');
    const { directHistory } = await bob.http.request(ChatDirectHistoryDoc, {
      withUserId: alice.id,
    });
    expect(directHistory.edges.map((e) => e.node.content)).toEqual(['between us']);
  });

  it('reads a deleted message empty, with its edits, and refuses to change it again', async () => {
    const { alice, bob, roomId } = await roomOfTwo();
    const message = await sendToRoom(alice, roomId, 'first words');
    await edit(alice, message.id, 'second words');
    await react(bob, message.id, '👀');
    const first = await remove(alice, message.id);
    const repeat = await remove(alice, message.id);
    expect(repeat).toEqual(first);
    await expectCode(edit(alice, message.id, 'third words'), 'BAD_USER_INPUT');
    await expectCode(react(bob, message.id, '👍'), 'BAD_USER_INPUT');
    // Its reactions went with it: removing one writes nothing and answers the target.
    expect(await unreact(bob, message.id, '👀')).toMatchObject({
      id: message.id,
      kind: 'TEXT',
      content: '',
      reactions: [],
    });
    const history = await roomHistory(alice.http, roomId);
    expect(history.slice(-4).map((m) => [m.kind, m.content])).toEqual([
      ['TEXT', ''],
      ['EDIT', ''],
      ['REACTION', '👀'],
      ['DELETE', ''],
    ]);
    expect(history.at(-4)).toMatchObject({ id: message.id, reactions: [] });
    expect(history.filter((m) => m.kind === 'DELETE')).toHaveLength(1);
  });

  it('refuses an empty or too long edit and changes nothing', async () => {
    const { alice, roomId } = await roomOfTwo();
    const message = await sendToRoom(alice, roomId, 'as it was');
    await expectCode(edit(alice, message.id, '   '), 'BAD_USER_INPUT');
    await expectCode(edit(alice, message.id, 'x'.repeat(4001)), 'BAD_USER_INPUT');
    const history = await roomHistory(alice.http, roomId);
    expect(history.at(-1)).toMatchObject({ id: message.id, content: 'as it was', editedAt: null });
  });

  it('takes reactions to broadcasts from admins only', async () => {
    const admin = await signUp(server, ADMIN);
    const user = await signUp(server);
    const { broadcast } = await admin.http.request(ChangesBroadcastDoc, { content: 'news' });
    await expectCode(react(user, broadcast.id, '👍'), 'FORBIDDEN');
    await react(admin, broadcast.id, '📣');
    const { broadcastHistory } = await user.http.request(ChangesBroadcastHistoryDoc);
    expect(broadcastHistory.edges.slice(-2).map((e) => e.node)).toMatchObject([
      { id: broadcast.id, kind: 'TEXT', content: 'news' },
      { kind: 'REACTION', content: '📣', target: { reactions: [{ emoji: '📣', count: 1 }] } },
    ]);
  });

  it('counts edits, reactions and replies against the send rate limit; a refused one writes nothing', async () => {
    const limited = await startTestServer({ SEND_BURST: '2', SEND_RATE_PER_SECOND: '1' });
    try {
      const alice = await signUp(limited);
      const bob = await signUp(limited);
      const roomId = await createRoom(alice);
      await joinRoom(bob, roomId);
      const message = await sendToRoom(alice, roomId, 'counted');
      const client = wsClient(limited, bob.token);
      clients.push(client);
      const bobSees = subscribe(client, ChangesRoomMessagesDoc, { roomId, after: message.cursor });
      subscriptions.push(bobSees as Subscription<unknown>);

      const written: string[] = [];
      /** Attempts until the limiter refuses one (a token a second refills: quick ones drain it). */
      async function untilRefused(attempt: (i: number) => Promise<{ id: string }>) {
        for (let i = 0; i < 20; i += 1) {
          const refusal = await attempt(i).then(
            (entry) => {
              written.push(entry.id);
              return undefined;
            },
            (error: unknown) => error,
          );
          if (refusal !== undefined) return expectCode(Promise.reject(refusal), 'RATE_LIMITED');
        }
        throw new Error('twenty quick attempts, none refused');
      }
      const replies: string[] = [];
      await untilRefused(async (i) => {
        const { replyToMessage } = await alice.http.request(ChangesReplyDoc, {
          messageId: message.id,
          content: `reply ${i}`,
        });
        replies.push(replyToMessage.id);
        return replyToMessage;
      });
      const edits: string[] = [];
      await untilRefused(async (i) => {
        const entry = await edit(alice, message.id, `edit ${i}`);
        edits.push(entry.content);
        return entry;
      });
      // Distinct emoji, so that no attempt is an idempotent repeat that writes nothing anyway.
      const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'];
      const reacted: string[] = [];
      await untilRefused(async (i) => {
        const entry = await react(alice, message.id, emoji[i] ?? '👍');
        reacted.push(entry.content);
        return entry;
      });

      // History holds exactly the accepted changes, and the target shows only them.
      const history = await roomHistory(alice.http, roomId);
      expect(history.filter((m) => m.seq > message.seq).map((m) => m.id)).toEqual(written);
      const target = history.find((m) => m.id === message.id);
      expect(target?.replyCount).toBe(replies.length);
      expect(target?.content).toBe(edits.at(-1) ?? 'counted');
      expect(target?.reactions.map((r) => r.emoji)).toEqual(reacted);
      // The stream got no entry for a refusal: right after the accepted ones comes bob's next.
      const next = await sendToRoom(bob, roomId, 'after the refusals');
      const seen = await bobSees.take(written.length + 1);
      expect(seen.map((event) => event.roomMessages.id)).toEqual([...written, next.id]);
    } finally {
      await limited.close();
    }
  });
});

describe('reactions', () => {
  it('are idempotent: adding twice or removing what is not there writes nothing', async () => {
    const { alice, bob, roomId } = await roomOfTwo();
    const message = await sendToRoom(alice, roomId, 'react to me');
    const added = await react(bob, message.id, '👍');
    expect(await react(bob, message.id, '👍')).toEqual(added);
    const notThere = await unreact(bob, message.id, '🎉');
    expect(notThere).toMatchObject({
      id: message.id,
      kind: 'TEXT',
      reactions: [{ emoji: '👍', count: 1 }],
    });
    const removed = await unreact(bob, message.id, '👍');
    expect(removed.kind).toBe('UNREACTION');
    expect(await unreact(bob, message.id, '👍')).toMatchObject({ id: message.id, reactions: [] });
    const history = await roomHistory(alice.http, roomId);
    expect(history.filter((m) => m.kind !== 'SYSTEM').map((m) => m.kind)).toEqual([
      'TEXT',
      'REACTION',
      'UNREACTION',
    ]);
  });

  it('counts each emoji per user, byte for byte, first added first', async () => {
    const { alice, bob, roomId } = await roomOfTwo();
    const message = await sendToRoom(alice, roomId, 'so many feelings');
    const emoji = ['👍', '👍🏽', '🇫🇷', '1️⃣', '👨‍👩‍👧‍👦', '❤️', '❤', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'];
    for (const e of emoji) await react(alice, message.id, e);
    const last = await react(bob, message.id, '👍');
    expect(last.target?.reactions).toEqual(
      emoji.map((e) => ({ emoji: e, count: e === '👍' ? 2 : 1, viewerReacted: e === '👍' })),
    );
  });

  it('refuses anything but one emoji, and writes nothing', async () => {
    const { alice, roomId } = await roomOfTwo();
    const message = await sendToRoom(alice, roomId, 'plain');
    const before = await roomHistory(alice.http, roomId);
    const bad = [
      '',
      'a',
      ':+1:',
      '👍👍',
      ' 👍',
      '👍 ',
      '1',
      `👍${'\u0301'.repeat(15)}`, // one grapheme, but over 32 bytes
      '\ud83d', // half a surrogate pair
    ];
    for (const emoji of bad) await expectCode(react(alice, message.id, emoji), 'BAD_USER_INPUT');
    await expectCode(unreact(alice, message.id, 'a'), 'BAD_USER_INPUT');
    expect(await roomHistory(alice.http, roomId)).toEqual(before);
  });
});
