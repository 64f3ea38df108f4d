import type { IncomingMessage } from 'node:http';
import { type DocumentNode, type FieldNode, getOperationAST, Kind } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { isExpectedError } from '../graphql/errors.js';
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
 * HTTP, SSE and graphql-ws share (graphql-ws's direct subscriptions, which leave it once set
 * up, are counted by the transport); logs each operation (debug) and each unexpected error
 * with its request id.
 */
export function graphqlMetricsPlugin(metrics: Metrics, logger: Logger): Plugin {
  return {
    onExecute({ args }) {
      const { type, fields } = rootFields(args.document, args.operationName);
      // graphql-ws gives the connection's request id; HTTP the request it is in.
      const context = args.contextValue as { req?: IncomingMessage; requestId?: string };
      const operation = {
        requestId: context.requestId ?? requestIdOf(context.req),
        operation: args.operationName ?? null,
        type,
      };
      logger.debug(operation, 'execute');
      const sends = type === 'mutation' ? fields.filter((f) => SEND_FIELDS[f.name.value]) : [];
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          // Expected errors are answers; anything else is an incident, logged with its request.
          // (Masked already or not, depending on plugin order: both shapes count.)
          const unexpected =
            result.errors?.filter(
              (error) =>
                error.extensions?.code === 'INTERNAL_SERVER_ERROR' || !isExpectedError(error),
            ) ?? [];
          for (const error of unexpected)
            logger.error({ ...operation, err: error }, 'operation failed');
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
