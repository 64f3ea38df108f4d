import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import type { TestServer } from './server.js';

/**
 * A subscription over SSE. Yoga answers only once the subscription's source exists, so when
 * `sseSubscribe` resolves the server is already listening: live-only feeds (typing, read
 * receipts) can be tested without priming them first. Events are read as they arrive, each
 * stamped with its arrival time.
 */
export interface SseSubscription<T> {
  /** The next data result; rejects with the GraphQL errors, or when the stream ends. */
  next(): Promise<T>;
  /** Like next(), with the time (Date.now()) the event arrived. */
  nextTimed(): Promise<{ data: T; at: number }>;
  /** Resolves when the server completes the stream; rejects if data comes first. */
  completed(): Promise<void>;
  close(): Promise<void>;
}

type Arrival<T> = { payload: { data?: T; errors?: unknown } | undefined; at: number };

export async function sseSubscribe<TResult, TVariables extends Record<string, unknown>>(
  server: TestServer,
  token: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<SseSubscription<TResult>> {
  const abort = new AbortController();
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: print(document), variables }),
    signal: abort.signal,
  });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const body = (await response.json()) as { errors?: GraphQLFormattedError[] };
    throw body.errors ?? new Error(`HTTP ${response.status}`);
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const arrivals: Arrival<TResult>[] = [];
  let waiter: (() => void) | undefined;
  const arrive = (arrival: Arrival<TResult>) => {
    arrivals.push(arrival);
    waiter?.();
    waiter = undefined;
  };

  // Reads as events come, so that their arrival times are not those of the test's next read.
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        const at = Date.now();
        buffer += decoder.decode(chunk.value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines
            .find((line) => line.startsWith('event:'))
            ?.slice(6)
            .trim();
          if (event === 'complete') return arrive({ payload: undefined, at });
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (data) arrive({ payload: JSON.parse(data) as Arrival<TResult>['payload'], at });
        }
      }
    } catch {
      // Closed by the test.
    }
    arrive({ payload: undefined, at: Date.now() });
  })();

  async function nextArrival(): Promise<Arrival<TResult>> {
    for (;;) {
      const arrival = arrivals.shift();
      if (arrival) return arrival;
      await new Promise<void>((resolve) => {
        waiter = resolve;
      });
    }
  }

  async function nextTimed(): Promise<{ data: TResult; at: number }> {
    const { payload, at } = await nextArrival();
    if (!payload) throw new Error('the event stream ended');
    if (payload.errors) throw payload.errors;
    if (!payload.data) throw new Error('an event without data');
    return { data: payload.data, at };
  }

  return {
    nextTimed,
    next: async () => (await nextTimed()).data,
    async completed() {
      const { payload } = await nextArrival();
      if (payload)
        throw new Error(`expected the end of the stream, got ${JSON.stringify(payload)}`);
    },
    async close() {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
