import { type Client, createClient, type Sink } from 'graphql-ws';
import {
  BroadcastsDocument,
  DirectMessagesDocument,
  PresenceChangedDocument,
  RoomMessagesDocument,
} from './documents.js';
import type { ChatMessageFragment, ClientPresenceChangedSubscription } from './gql/graphql.js';
import type { Document, GraphQLErrorLike } from './http.js';

export type ChatMessage = ChatMessageFragment;
export type PresenceChange = ClientPresenceChangedSubscription['presenceChanged'];
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';
type Awaitable<T> = T | Promise<T>;

export interface ResumableClientOptions {
  /** The graphql-ws URL, or a function asked on every (re)connect (a server that moved). */
  url: string | (() => Awaitable<string>);
  /** The bearer token, or a function asked on every (re)connect (a renewed token). */
  token: string | (() => Awaitable<string>);
  /** A WebSocket class where there is no global one (Node 20: `ws`). */
  webSocketImpl?: unknown;
  /** Milliseconds before reconnect attempt `n` (0, 1, ...); default 250·2ⁿ up to 5 s, ± 25 %. */
  retryDelay?: (attempt: number) => number;
  /** Ping the server this often (ms) and drop a connection that stays silent as long again. */
  keepAlive?: number;
}

export interface StreamHandlers<T> {
  /** Every message once, in stream order, across reconnects and server restarts. */
  next(value: T): void;
  /** The stream cannot go on (NOT_FOUND, FORBIDDEN, CURSOR_EXPIRED, a refused token...). */
  error?(error: unknown): void;
  /** The server ended it, e.g. the viewer left the private room. */
  complete?(): void;
}

export interface StreamOptions {
  /** Resume right after this cursor; without it the server starts from the stored position. */
  after?: string;
}

export interface ResumableSubscription {
  /** The cursor of the last message handed to `next`: keep it to resume later. */
  readonly cursor: string | undefined;
  dispose(): void;
}

export interface ResumableClient {
  room(
    roomId: string,
    handlers: StreamHandlers<ChatMessage>,
    options?: StreamOptions,
  ): ResumableSubscription;
  direct(handlers: StreamHandlers<ChatMessage>, options?: StreamOptions): ResumableSubscription;
  broadcasts(handlers: StreamHandlers<ChatMessage>, options?: StreamOptions): ResumableSubscription;
  /** Presence has no history: after a reconnect it simply goes on from now. */
  presence(
    roomId: string | undefined,
    handlers: StreamHandlers<PresenceChange>,
  ): { dispose(): void };
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** The underlying graphql-ws client, for any other operation over the same socket. */
  readonly ws: Client;
  dispose(): Promise<void>;
}

/**
 * graphql-ws close codes after which trying again cannot help (a bad request or a refused
 * protocol); 4403 (token refused or expired) too, unless the token comes from a function.
 */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4406, 4409, 4429]);
const FORBIDDEN = 4403;

function defaultRetryDelay(attempt: number): number {
  const base = Math.min(5_000, 250 * 2 ** attempt);
  return base * (0.75 + Math.random() * 0.5);
}

function closeCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'number' ? code : undefined;
}

/**
 * A graphql-ws client whose message subscriptions resume by themselves: each remembers the
 * cursor of the last message it handed on, and after any drop (network, server restart,
 * slow-consumer cut-off) subscribes again with `after` = that cursor, so that each message
 * arrives exactly once and in order. graphql-ws's own retry is off: it would resubscribe
 * with the variables the subscription started with.
 */
export function createResumableClient(options: ResumableClientOptions): ResumableClient {
  const retryDelay = options.retryDelay ?? defaultRetryDelay;
  const tokenRenews = typeof options.token === 'function';
  const keepAlive = options.keepAlive ?? 10_000;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  const ws: Client = createClient({
    url: options.url,
    webSocketImpl: options.webSocketImpl,
    lazy: true,
    retryAttempts: 0,
    keepAlive,
    connectionParams: async () => {
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      return { authorization: `Bearer ${token}` };
    },
    on: {
      // A connection can die without a close (a laptop lid, a NAT): no pong, drop it.
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => ws.terminate(), keepAlive);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: () => clearTimeout(pongTimer),
    },
  });

  const retryable = (error: unknown): boolean => {
    // An array is GraphQL errors: the server refused the operation itself.
    if (Array.isArray(error)) return false;
    const code = closeCode(error);
    if (code === undefined) return true;
    if (code === FORBIDDEN) return tokenRenews;
    return !FATAL_CLOSE_CODES.has(code);
  };

  /**
   * Subscribes, and after a drop subscribes again with the variables of that moment;
   * `onData` returns whether the result moved the stream on (to reset the back-off).
   */
  function resubscribing<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables: () => TVariables,
    onData: (data: TResult) => void,
    handlers: Pick<StreamHandlers<unknown>, 'error' | 'complete'>,
  ): { dispose(): void } {
    let ended = false;
    let attempt = 0;
    let unsubscribe: (() => void) | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    const offConnected = ws.on('connected', () => {
      attempt = 0;
    });
    const end = () => {
      ended = true;
      offConnected();
      clearTimeout(retryTimer);
    };
    const start = () => {
      if (ended) return;
      const sink: Sink<{ data?: TResult | null; errors?: readonly GraphQLErrorLike[] }> = {
        next: (result) => {
          if (ended) return;
          if (result.errors?.length) {
            end();
            handlers.error?.(result.errors);
          } else if (result.data) onData(result.data);
        },
        error: (error) => {
          if (ended) return;
          if (!retryable(error)) {
            end();
            handlers.error?.(error);
            return;
          }
          retryTimer = setTimeout(start, retryDelay(attempt));
          attempt += 1;
        },
        complete: () => {
          if (ended) return;
          end();
          handlers.complete?.();
        },
      };
      unsubscribe = ws.subscribe(
        { query: document.toString(), variables: variables() as Record<string, unknown> },
        sink as Sink,
      );
    };
    start();
    return {
      dispose: () => {
        end();
        unsubscribe?.();
      },
    };
  }

  function stream<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables: (after: string | undefined) => TVariables,
    messageOf: (data: TResult) => ChatMessage,
    handlers: StreamHandlers<ChatMessage>,
    options: StreamOptions = {},
  ): ResumableSubscription {
    let cursor = options.after;
    let lastSeq: number | undefined;
    const running = resubscribing(
      document,
      () => variables(cursor),
      (data) => {
        const message = messageOf(data);
        // Without a cursor yet the server replays at least once; never hand on a seq twice.
        if (lastSeq !== undefined && message.seq <= lastSeq) return;
        lastSeq = message.seq;
        cursor = message.cursor;
        handlers.next(message);
      },
      handlers,
    );
    return {
      get cursor() {
        return cursor;
      },
      dispose: running.dispose,
    };
  }

  return {
    ws,
    room: (roomId, handlers, streamOptions) =>
      stream(
        RoomMessagesDocument,
        (after) => ({ roomId, after }),
        (data) => data.roomMessages,
        handlers,
        streamOptions,
      ),
    direct: (handlers, streamOptions) =>
      stream(
        DirectMessagesDocument,
        (after) => ({ after }),
        (data) => data.directMessages,
        handlers,
        streamOptions,
      ),
    broadcasts: (handlers, streamOptions) =>
      stream(
        BroadcastsDocument,
        (after) => ({ after }),
        (data) => data.broadcasts,
        handlers,
        streamOptions,
      ),
    presence: (roomId, handlers) =>
      resubscribing(
        PresenceChangedDocument,
        () => ({ roomId }),
        (data) => handlers.next(data.presenceChanged),
        handlers,
      ),
    onStatus(listener) {
      const offs = [
        ws.on('connecting', () => listener('connecting')),
        ws.on('connected', () => listener('connected')),
        ws.on('closed', () => listener('disconnected')),
      ];
      return () => {
        for (const off of offs) off();
      };
    },
    dispose: async () => {
      clearTimeout(pongTimer);
      await ws.dispose();
    },
  };
}
