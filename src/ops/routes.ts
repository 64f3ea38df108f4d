import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import { type ReadinessCheck, runChecks } from './readiness.js';

export interface OpsRoutes {
  /** Answers /health, /ready and /metrics; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Whether a URL is one of these routes (logged at debug: probes come often). */
  isProbe(url: string): boolean;
}

export interface Probes {
  /** `/health`: SEMANTICS.md has it answer 200 while the database is reachable. */
  health: readonly ReadinessCheck[];
  /** `/ready`: every dependency (database, and Redis when configured). */
  ready: readonly ReadinessCheck[];
}

/** Probes and metrics beside the GraphQL endpoint. */
export function opsRoutes(metrics: Metrics, probes: Probes): OpsRoutes {
  const routes: Record<string, (res: ServerResponse) => Promise<void>> = {
    '/health': async (res) => {
      const { ready } = await runChecks(probes.health);
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ok' : 'unavailable');
    },
    '/ready': async (res) => {
      const readiness = await runChecks(probes.ready);
      res
        .writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(readiness));
    },
    '/metrics': async (res) => {
      const body = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType }).end(body);
    },
  };
  const pathOf = (url: string) => new URL(url, 'http://localhost').pathname;
  return {
    isProbe: (url) => pathOf(url) in routes,
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const route = routes[pathOf(req.url ?? '/')];
      if (!route) return false;
      route(res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return true;
    },
  };
}
