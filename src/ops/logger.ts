import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout. Request ids are passed explicitly, not through
 * AsyncLocalStorage, whose async hooks would tax every promise of the hot path on Node 20.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'switchboard' } });
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
