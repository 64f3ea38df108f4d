/** The three wire protocols of the load, each over the lean WebSocket client. */
import { CONTENT, ROOM_MESSAGES, SEND_ROOM_MESSAGE } from './chat.js';
import type { LeanSocket } from './lean-ws.js';

export type ProtocolName = 'raw' | 'socketio' | 'graphql-ws';

/** One client connection as a protocol sees it. */
export interface Peer {
  readonly socket: LeanSocket;
  readonly room: string;
  readonly token: string | undefined;
  readonly after: string | undefined;
  readonly subscribe: boolean;
  /** Set once the connection receives room messages (or, unsubscribed, may send). */
  ready(): void;
  /** A send of this connection was acknowledged (graphql-ws mutations only). */
  acked(clientId: string | undefined, error: string | undefined): void;
}

export interface Protocol {
  readonly path: string;
  readonly subprotocol: string | undefined;
  /** Right after the handshake. */
  open(peer: Peer): void;
  /** A frame read whole before the connection is ready, or any small frame after. */
  control(peer: Peer, text: string): void;
  send(peer: Peer, clientId: string): void;
  /** The clientId of a delivered room message, or undefined for anything else. */
  deliveredClientId(peer: Peer, payload: Buffer): string | undefined;
  /** The seq of a delivered room message (graphql-ws only: the peers keep no stream). */
  deliveredSeq?(payload: Buffer): number | undefined;
}

const raw: Protocol = {
  path: '/',
  subprotocol: undefined,
  open: () => {},
  control: (peer, text) => {
    if (text === '{"t":"joined"}') peer.ready();
  },
  send: (peer, clientId) =>
    peer.socket.send(JSON.stringify({ t: 'send', content: CONTENT, clientId })),
  deliveredClientId: (_peer, payload) => {
    const frame = JSON.parse(payload.toString()) as { message?: { clientId?: string } };
    return frame.message?.clientId;
  },
};

/** Engine.IO 4 / Socket.IO 5 packets: 0 open, 2 ping, 3 pong, 40 connect, 42 event. */
const socketio: Protocol = {
  path: '/socket.io/?EIO=4&transport=websocket',
  subprotocol: undefined,
  open: () => {},
  control: (peer, text) => {
    if (text === '2') peer.socket.send('3');
    else if (text.startsWith('0{')) peer.socket.send('40');
    else if (text.startsWith('40')) peer.socket.send(`42${JSON.stringify(['join', peer.room])}`);
    else if (text === '42["joined"]') peer.ready();
  },
  send: (peer, clientId) =>
    peer.socket.send(
      `42${JSON.stringify(['send', { room: peer.room, content: CONTENT, clientId }])}`,
    ),
  deliveredClientId: (_peer, payload) => {
    const text = payload.toString();
    if (!text.startsWith('42')) return undefined;
    const [event, message] = JSON.parse(text.slice(2)) as [string, { clientId?: string }];
    return event === 'message' ? message.clientId : undefined;
  },
};

interface GraphqlError {
  message: string;
  extensions?: { code?: string };
}

interface GraphqlWsFrame {
  id?: string;
  type: string;
  payload?: {
    data?: { roomMessages?: { clientId?: string; seq?: number } } | null;
    errors?: GraphqlError[];
  };
}

/** Mutation ids carry the clientId they send: `m:<clientId>`. */
const graphqlWs: Protocol = {
  path: '/graphql',
  subprotocol: 'graphql-transport-ws',
  open: (peer) =>
    peer.socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: peer.token ? { authorization: `Bearer ${peer.token}` } : {},
      }),
    ),
  control: (peer, text) => {
    const frame = JSON.parse(text) as GraphqlWsFrame;
    if (frame.type === 'ping') peer.socket.send('{"type":"pong"}');
    else if (frame.type === 'connection_ack') {
      if (peer.subscribe) {
        const variables = { roomId: peer.room, after: peer.after ?? null };
        peer.socket.send(
          JSON.stringify({
            id: 's',
            type: 'subscribe',
            payload: { query: ROOM_MESSAGES, variables },
          }),
        );
      }
      peer.ready();
    } else handleGraphqlWs(peer, frame);
  },
  send: (peer, clientId) =>
    peer.socket.send(
      JSON.stringify({
        id: `m:${clientId}`,
        type: 'subscribe',
        payload: {
          query: SEND_ROOM_MESSAGE,
          variables: { roomId: peer.room, content: CONTENT, clientId },
        },
      }),
    ),
  deliveredClientId: (peer, payload) => {
    const frame = JSON.parse(payload.toString()) as GraphqlWsFrame;
    if (frame.id === 's' && frame.type === 'next') {
      return frame.payload?.data?.roomMessages?.clientId ?? undefined;
    }
    handleGraphqlWs(peer, frame);
    return undefined;
  },
  deliveredSeq: (payload) => {
    const frame = JSON.parse(payload.toString()) as GraphqlWsFrame;
    return frame.id === 's' && frame.type === 'next'
      ? (frame.payload?.data?.roomMessages?.seq ?? undefined)
      : undefined;
  },
};

function handleGraphqlWs(peer: Peer, frame: GraphqlWsFrame): void {
  // An `error` message's payload is the list of errors itself.
  const errors = frame.type === 'error' ? (frame.payload as GraphqlError[]) : frame.payload?.errors;
  const error = errors?.[0];
  const detail = error ? `${error.extensions?.code ?? ''} ${error.message}` : undefined;
  if (frame.id?.startsWith('m:') && (frame.type === 'next' || frame.type === 'error')) {
    peer.acked(frame.id.slice(2), detail);
  } else if (frame.id === 's' && (frame.type === 'error' || frame.type === 'complete' || detail)) {
    console.error(`subscription ended: ${frame.type} ${detail ?? JSON.stringify(frame.payload)}`);
  }
}

export const PROTOCOLS: Record<ProtocolName, Protocol> = {
  raw,
  socketio,
  'graphql-ws': graphqlWs,
};

/** The path with the room, for protocols that pick it on connect. */
export function pathFor(name: ProtocolName, room: string): string {
  return name === 'raw' ? `/?room=${encodeURIComponent(room)}` : PROTOCOLS[name].path;
}
