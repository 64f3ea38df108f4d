import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import type { TestServer } from './server.js';

/**
 * A subscription over SSE. Yoga answers only once the subscription's source exists, so when
 * `sseSubscribe` resolves the server is already listening: live-only feeds (typing, read
 * receipts) can be tested without priming them first.
 */
export interface SseSubscription<T> {
  /** The next data result; rejects with the GraphQL errors, or when the stream ends. */
  next(): Promise<T>;
  /** Resolves when the server completes the stream; rejects if data comes first. */
  completed(): Promise<void>;
  close(): Promise<void>;
}

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
  const decoder = new TextDecoder();
  let buffer = '';

  /** The next `next` event's payload, or undefined once the stream completes or ends. */
  async function nextPayload(): Promise<{ data?: TResult; errors?: unknown } | undefined> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const event = lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim();
        if (event === 'complete') return undefined;
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (data) return JSON.parse(data) as { data?: TResult; errors?: unknown };
        continue;
      }
      const chunk = await reader.read();
      if (chunk.done) return undefined;
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  }

  return {
    async next() {
      const payload = await nextPayload();
      if (!payload) throw new Error('the event stream ended');
      if (payload.errors) throw payload.errors;
      if (!payload.data) throw new Error('an event without data');
      return payload.data;
    },
    async completed() {
      const payload = await nextPayload();
      if (payload)
        throw new Error(`expected the end of the stream, got ${JSON.stringify(payload)}`);
    },
    async close() {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
