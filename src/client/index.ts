/**
 * switchboard/client: typed documents for every operation the demo uses, a typed HTTP
 * request helper, and a graphql-ws client whose message subscriptions resume exactly once.
 */
export * from './documents.js';
export type * from './gql/graphql.js';
export { type Document, type GraphQLErrorLike, request, SwitchboardError } from './http.js';
export {
  type ChatMessage,
  type ConnectionStatus,
  createResumableClient,
  type PresenceChange,
  type ResumableClient,
  type ResumableClientOptions,
  type ResumableSubscription,
  type StreamHandlers,
  type StreamOptions,
} from './resumable.js';
