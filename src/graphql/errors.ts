import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { DomainError } from '../services/errors.js';

/**
 * The one place a domain error becomes a GraphQL error with its code. Anything else is
 * masked: no stack, SQL or path reaches a client.
 */
export function maskError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return createGraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, ...original.details },
    });
  }
  if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) {
    const answer = original instanceof GraphQLError ? original : error;
    // graphql-jit's own errors (a null in a non-null field) may come without extensions.
    if (answer.extensions?.code !== undefined) return answer;
    // graphql-js's variable coercion errors ("Variable "$x" got invalid value...", "was
    // not provided") come without a code; every expected error has one (SEMANTICS.md).
    return createGraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
    });
  }
  return createGraphQLError(message, {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/** Expected errors are answers, not incidents: they are not logged. */
export function isExpectedError(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) return true;
  // A GraphQLError caused by nothing but another one is about the request (e.g. a variable
  // of the wrong type), which the client is told; it is no server fault to log.
  return error instanceof GraphQLError && (!original || original instanceof GraphQLError);
}
