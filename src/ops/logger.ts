import pino, { type Logger } from 'pino';
import { requestScope } from './request-id.js';

export type { Logger };

/** Structured JSON logs on stdout, with the request id of the HTTP request being handled. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'switchboard' },
    mixin: () => requestScope.getStore() ?? {},
  });
}

/** Yoga's logger interface over pino: Yoga passes errors and strings as loose arguments. */
export function yogaLog(logger: Logger) {
  const entry = (args: unknown[]) => ({
    err: args.find((arg) => arg instanceof Error),
    details: args.filter((arg) => !(arg instanceof Error)).map(String),
  });
  return {
    warn: (...args: unknown[]) => logger.warn(entry(args), 'graphql warning'),
    error: (...args: unknown[]) => logger.error(entry(args), 'graphql error'),
  };
}
