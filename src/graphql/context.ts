import type { LiveBudget } from '../pubsub/live-budget.js';
import { unauthenticated } from '../services/errors.js';
import type { Services } from '../services/index.js';
import type { Viewer } from '../services/viewer.js';

/** Per operation: who asks, and the services that answer. */
export interface GraphQLContext {
  viewer: Viewer | undefined;
  services: Services;
  /** graphql-ws only: the connection's allowance for unsent live output, shared by its subscriptions. */
  liveBudget?: LiveBudget;
}

export function requireViewer(context: GraphQLContext): Viewer {
  if (!context.viewer) throw unauthenticated();
  // A token may expire while a long-lived connection still holds it.
  if (context.viewer.expiresAt * 1000 <= Date.now()) throw unauthenticated('the token has expired');
  return context.viewer;
}
