import type { IncomingMessage } from 'node:http';
import { type DocumentNode, type FieldNode, getOperationAST, Kind } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { requestIdOf } from './request-id.js';

/** Mutations that send a message, and the channel each sends on. */
const SEND_FIELDS: Readonly<Record<string, string>> = {
  sendRoomMessage: 'ROOM',
  sendDirectMessage: 'DIRECT',
  broadcast: 'BROADCAST',
};

function rootFields(document: DocumentNode, operationName: string | null | undefined) {
  const operation = getOperationAST(document, operationName);
  const fields = (operation?.selectionSet.selections ?? []).filter(
    (selection): selection is FieldNode => selection.kind === Kind.FIELD,
  );
  return { type: operation?.operation, fields };
}

/**
 * Counts sends, active subscriptions and deliveries from inside the GraphQL pipeline that
 * HTTP, SSE and graphql-ws share, and logs each operation with its request id (debug).
 */
export function graphqlMetricsPlugin(metrics: Metrics, logger: Logger): Plugin {
  return {
    onExecute({ args }) {
      const { type, fields } = rootFields(args.document, args.operationName);
      const req = (args.contextValue as { req?: IncomingMessage }).req;
      logger.debug(
        { requestId: requestIdOf(req), operation: args.operationName ?? null, type },
        'execute',
      );
      if (type !== 'mutation') return;
      const sends = fields.filter((field) => SEND_FIELDS[field.name.value] !== undefined);
      if (sends.length === 0) return;
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          const data = result.data as Record<string, unknown> | null | undefined;
          for (const field of sends) {
            const channel = SEND_FIELDS[field.name.value];
            if (channel && data?.[field.alias?.value ?? field.name.value])
              metrics.sends.inc({ channel });
          }
        },
      };
    },
    onSubscribe({ args }) {
      const field = rootFields(args.document, args.operationName).fields[0]?.name.value ?? '';
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) return;
          metrics.subscriptions.inc({ field });
          return {
            onNext: () => metrics.deliveries.inc({ field }),
            onEnd: () => metrics.subscriptions.dec({ field }),
          };
        },
      };
    },
  };
}
