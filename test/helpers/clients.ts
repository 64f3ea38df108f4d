import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { ClientError, GraphQLClient } from 'graphql-request';
import { type Client, createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { graphql } from '../gql/index.js';
import type { TestServer } from './server.js';

export const SignUpDoc = graphql(`
  mutation SignUp($name: String!, $password: String!) {
    signUp(name: $name, password: $password) {
      token
      user {
        id
        name
      }
    }
  }
`);

let counter = 0;
/** A name unique within the run, valid as a user name. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${counter}_${randomUUID().slice(0, 8)}`;
}

export const PASSWORD = 'correct horse battery';

export function http(server: TestServer, token?: string): GraphQLClient {
  return new GraphQLClient(server.url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export interface TestUser {
  id: string;
  name: string;
  token: string;
  readonly http: GraphQLClient;
}

export async function signUp(server: TestServer, name = uniqueName()): Promise<TestUser> {
  const { signUp: payload } = await http(server).request(SignUpDoc, { name, password: PASSWORD });
  const { token } = payload;
  return {
    id: payload.user.id,
    name: payload.user.name,
    token,
    // A getter, so that the client follows the server to its new port after a restart.
    get http() {
      return http(server, token);
    },
  };
}

/** A graphql-ws client that does not retry, so tests see every close. */
export function wsClient(
  server: TestServer,
  token: string | undefined,
  options: { lazy?: boolean } = {},
): Client {
  return createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    lazy: options.lazy ?? true,
    retryAttempts: 0,
    // Tests observe closes themselves (nextClose); the default would print each one.
    onNonLazyError: () => undefined,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

/** Resolves once the client has connected (acknowledged). */
export function connected(client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      offClosed();
      resolve();
    });
    const offClosed = client.on('closed', (event) => {
      offConnected();
      offClosed();
      reject(new Error(`closed with ${(event as { code?: number }).code}`));
    });
  });
}

/** Resolves with the close code of the client's next socket close. */
export function nextClose(client: Client): Promise<number> {
  return new Promise((resolve) => {
    const off = client.on('closed', (event) => {
      off();
      resolve((event as { code: number }).code);
    });
  });
}

/** A running subscription whose events are awaited, never slept for. */
export interface Subscription<T> {
  /** Resolves with the next `n` data results. */
  take(n: number): Promise<T[]>;
  /** Every data result received so far. */
  readonly received: T[];
  /** Settles when the server completes (resolves) or errors (rejects) the subscription. */
  readonly ended: Promise<void>;
  dispose(): void;
}

export function subscribe<TResult, TVariables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Subscription<TResult> {
  const received: TResult[] = [];
  let waiter:
    | { n: number; resolve: (values: TResult[]) => void; reject: (error: unknown) => void }
    | undefined;
  let consumed = 0;
  let failure: unknown;
  let resolveEnded!: () => void;
  let rejectEnded!: (error: unknown) => void;
  const ended = new Promise<void>((resolve, reject) => {
    resolveEnded = resolve;
    rejectEnded = reject;
  });
  ended.catch(() => undefined);
  const settle = () => {
    if (!waiter) return;
    if (received.length - consumed >= waiter.n) {
      const values = received.slice(consumed, consumed + waiter.n);
      consumed += waiter.n;
      const { resolve } = waiter;
      waiter = undefined;
      resolve(values);
    } else if (failure !== undefined) {
      const { reject } = waiter;
      waiter = undefined;
      reject(failure);
    }
  };
  const dispose = client.subscribe<TResult>(
    { query: print(document), variables },
    {
      next: (result: ExecutionResult<TResult>) => {
        if (result.errors?.length) {
          failure = result.errors;
          rejectEnded(result.errors);
        } else if (result.data) {
          received.push(result.data as TResult);
        }
        settle();
      },
      error: (error) => {
        failure = error ?? new Error('subscription failed');
        rejectEnded(failure);
        settle();
      },
      complete: () => {
        failure ??= new Error('subscription completed');
        resolveEnded();
        settle();
      },
    },
  );
  return {
    received,
    ended,
    take(n) {
      return new Promise((resolve, reject) => {
        waiter = { n, resolve, reject };
        settle();
      });
    },
    dispose,
  };
}

/** The `extensions.code` of the first GraphQL error a request or subscription failed with. */
export function errorCode(error: unknown): unknown {
  if (error instanceof ClientError) return error.response.errors?.[0]?.extensions?.code;
  if (Array.isArray(error))
    return (error[0] as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
  return undefined;
}

/** Asserts that the promise fails with a GraphQL error of this code. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ${code} error`).toBeDefined();
  expect(errorCode(error)).toBe(code);
  return error;
}
