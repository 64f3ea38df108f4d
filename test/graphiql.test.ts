import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collector } from './helpers/collector.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The options object the GraphiQL page hands to YogaGraphiQL.renderYogaGraphiQL. */
function graphiqlOptions(html: string): { subscriptionsProtocol?: string; defaultQuery?: string } {
  const match = /renderYogaGraphiQL\(root,(\{.*?\})\)\}\)<\/script>/s.exec(html);
  if (!match?.[1]) throw new Error('no GraphiQL options in the page');
  return JSON.parse(match[1]) as { subscriptionsProtocol?: string; defaultQuery?: string };
}

describe('GraphiQL at /graphql', () => {
  let server: TestServer;
  let options: ReturnType<typeof graphiqlOptions>;

  beforeAll(async () => {
    server = await startTestServer();
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    options = graphiqlOptions(await page.text());
  });
  afterAll(() => server.close());

  it('is served with subscriptions over graphql-ws and a first tab that explains the token', () => {
    expect(options.subscriptionsProtocol).toBe('WS');
    expect(options.defaultQuery).toContain('{ "Authorization": "Bearer <token>" }');
    expect(options.defaultQuery).toContain('Headers tab');
    expect(options.defaultQuery).toContain('connectionParams');
  });

  it('has a first tab whose operations are valid and work in the order it gives', async () => {
    const document = parse(options.defaultQuery ?? '');
    const schema = buildSchema(readFileSync('schema.graphql', 'utf8'));
    expect(validate(schema, document)).toEqual([]);
    const query = options.defaultQuery ?? '';

    // As GraphiQL posts: the whole editor, the operation picked, the Headers tab's headers.
    const run = async (operationName: string, headers: Record<string, string> = {}) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, operationName }),
      });
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
      expect(body.errors).toBeUndefined();
      return body.data ?? {};
    };
    // 1. Sign up, as the tab says, with no header.
    const { signUp } = (await run('SignUp')) as { signUp: { token: string } };
    // 2. The header as a newcomer types it in GraphiQL's Headers tab.
    const headers = { Authorization: `Bearer ${signUp.token}` };
    // 3. Create the room, then watch it, with the header as connectionParams (as GraphiQL does).
    await run('CreateRoom', headers);
    const ws = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: headers,
      retryAttempts: 0,
    });
    const seen = collector<string>();
    const dispose = ws.subscribe<{ roomMessages: { content: string } }>(
      { query, operationName: 'Watch' },
      {
        next: (result) => seen.push(result.data?.roomMessages.content ?? 'error'),
        error: () => seen.push('error'),
        complete: () => undefined,
      },
    );
    try {
      expect(await seen.until(1)).toEqual(['alice joined']);
      // 4. Send from "another tab".
      await run('Send', headers);
      expect(await seen.until(2)).toEqual(['alice joined', 'hello']);
    } finally {
      dispose();
      await ws.dispose();
    }
  });
});
