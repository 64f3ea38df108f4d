import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { assignRequestId, REQUEST_ID_HEADER } from './request-id.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Gives every HTTP request an id (echoed as x-request-id, and seen by Yoga's context) and
 * logs it once answered. Probes log at debug: they come often.
 */
export function withRequestLog(
  logger: Logger,
  isProbe: (url: string) => boolean,
  handler: Handler,
): Handler {
  return (req, res) => {
    const requestId = assignRequestId(req);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const startedAt = performance.now();
    res.once('finish', () => {
      const line = {
        requestId,
        method: req.method,
        url: req.url,
        status: res.statusCode,
        ms: Math.round((performance.now() - startedAt) * 10) / 10,
      };
      if (isProbe(req.url ?? '')) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    handler(req, res);
  };
}

/**
 * Counts WebSocket connections on `path` and logs them with their request id. It listens
 * beside the graphql-ws server, so the transport stays unaware of metrics.
 */
export function observeWebSockets(
  server: Server,
  path: string,
  metrics: Metrics,
  logger: Logger,
): void {
  server.on('upgrade', (req: IncomingMessage, socket) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return;
    const requestId = assignRequestId(req);
    const openedAt = performance.now();
    metrics.connectionOpened();
    logger.debug({ requestId }, 'websocket open');
    socket.once('close', () => {
      metrics.connectionClosed();
      logger.debug(
        { requestId, seconds: Math.round(performance.now() - openedAt) / 1000 },
        'websocket closed',
      );
    });
  });
}
