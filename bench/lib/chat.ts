/** What every server in the benchmark speaks: the same messages, documents and sizes. */

/** 80 characters, so that every delivery is well over the lean client's small-frame size. */
export const CONTENT =
  'benchmark message: the quick brown fox jumps over the lazy dog, twice over. ok...';

/** The message every peer delivers (Switchboard's Message, the fields the load selects). */
export interface ChatMessage {
  id: string;
  seq: number;
  cursor: string;
  content: string;
  clientId: string | null;
  createdAt: string;
  sender: { id: string; name: string };
}

export const ROOM_MESSAGES = `subscription Room($roomId: ID!, $after: String) {
  roomMessages(roomId: $roomId, after: $after) {
    id seq cursor content clientId createdAt sender { id name }
  }
}`;

export const SEND_ROOM_MESSAGE = `mutation Send($roomId: ID!, $content: String!, $clientId: String) {
  sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) { seq }
}`;

export const ROOM_HISTORY = `query History($roomId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  roomHistory(roomId: $roomId, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id seq content clientId createdAt sender { id name } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** The port a peer listens on: `--port N` on its command line. */
export function portArgument(argv: readonly string[]): number {
  const at = argv.indexOf('--port');
  const port = Number(at >= 0 ? argv[at + 1] : Number.NaN);
  if (!Number.isInteger(port)) throw new Error('usage: <peer> --port N');
  return port;
}
