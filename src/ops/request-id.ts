import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A proxy's id when it sent a sane one (so logs join up across hops), else a new one. */
export function assignRequestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const requestId =
    typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  // Kept on the request itself so that Yoga's context (HTTP and graphql-ws alike) sees it.
  req.headers[REQUEST_ID_HEADER] = requestId;
  return requestId;
}

export function requestIdOf(req: IncomingMessage | undefined): string | undefined {
  const id = req?.headers[REQUEST_ID_HEADER];
  return typeof id === 'string' ? id : undefined;
}
