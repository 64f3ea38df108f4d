import { type AuditResult, auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADERS } from '../src/transport/csrf.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** fetch as a non-browser client (or a browser app past its CORS preflight) sends it. */
const fetchWithCsrfHeader: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set(CSRF_HEADERS[0] ?? 'x-graphql-yoga-csrf', '1');
  return fetch(input, { ...init, headers });
};

function notOk(results: AuditResult[]): string[] {
  return results
    .filter((result) => result.status !== 'ok')
    .map((result) => `${result.id} ${result.status}: ${result.name}`);
}

/** The audits whose operation is `query Type($name: String!) { __type(name: $name) { name } }`. */
const INTROSPECTING_AUDITS = [
  '2EA1 warn: SHOULD allow map {variables} parameter when accepting application/graphql-response+json',
  '28B9 error: MUST allow map {variables} parameter when accepting application/json',
  'D6D5 notice: MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  '6A70 notice: MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
];

describe('GraphQL over HTTP audits (graphql-http)', () => {
  const servers: TestServer[] = [];
  let development: TestServer;
  let production: TestServer;
  let productionWithIntrospection: TestServer;
  beforeAll(async () => {
    development = await startTestServer();
    production = await startTestServer({ NODE_ENV: 'production' });
    productionWithIntrospection = await startTestServer({
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'true',
    });
    servers.push(development, production, productionWithIntrospection);
  });
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  it('passes all 61, with every plugin on', async () => {
    for (const server of [development, productionWithIntrospection]) {
      const results = await auditServer({ url: server.url, fetchFn: fetchWithCsrfHeader });
      expect(notOk(results)).toEqual([]);
      // Yoga alone passes 61; none may be lost.
      expect(results).toHaveLength(61);
    }
  });

  it('in production, fails only the audits that use introspection, which is off there', async () => {
    const results = await auditServer({ url: production.url, fetchFn: fetchWithCsrfHeader });
    expect(notOk(results)).toEqual(INTROSPECTING_AUDITS);
  });

  it('without a CSRF header, fails only the optional GET audits: such GETs are refused', async () => {
    const results = await auditServer({ url: development.url });
    expect(notOk(results)).toEqual([
      '5A70 notice: MAY accept application/x-www-form-urlencoded formatted GET requests',
      'D6D5 notice: MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
      '6A70 notice: MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
    ]);
  });
});
