import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { DocumentLimits } from '../config.js';

/** Every limit is a validation failure, whether found while parsing or validating. */
function asValidationError(context: ValidationContext | null, error: GraphQLError): void {
  (error.extensions as Record<string, unknown>).code = 'GRAPHQL_VALIDATION_FAILED';
  // Reported, not thrown, so that validation answers with it like with any other rule.
  context?.reportError(error);
}

const reported = { propagateOnRejection: false, onReject: [asValidationError] };

/**
 * graphql-armor's document limits (SEMANTICS.md "Input limits"), checked before anything
 * runs, over HTTP and graphql-ws alike. Introspection is exempt from depth and cost.
 */
export function documentLimitPlugins(limits: DocumentLimits): Plugin[] {
  return [
    // The token limit runs inside the parser, so a huge document is never built; it throws.
    maxTokensPlugin({ n: limits.tokens, onReject: [asValidationError] }),
    maxDepthPlugin({ n: limits.depth, ignoreIntrospection: true, ...reported }),
    // Every alias counts, also of __typename (the plugin's default lets those through).
    maxAliasesPlugin({ n: limits.aliases, allowList: [], ...reported }),
    maxDirectivesPlugin({ n: limits.directives, ...reported }),
    costLimitPlugin({ maxCost: limits.cost, ignoreIntrospection: true, ...reported }),
  ];
}
