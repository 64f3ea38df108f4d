import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

/** A GraphQL error the server answered with; `code` is its `extensions.code` (SEMANTICS.md). */
export class SwitchboardError extends Error {
  override name = 'SwitchboardError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly errors: readonly GraphQLErrorLike[],
  ) {
    super(message);
  }
}

export interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export type Document<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & {
  toString(): string;
};

/**
 * One typed query or mutation over HTTP with `fetch` (Node 20 and browsers alike): the
 * data, or a SwitchboardError carrying the first error's code.
 */
export async function request<TResult, TVariables>(
  url: string,
  document: Document<TResult, TVariables>,
  variables: TVariables,
  token?: string,
): Promise<TResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLErrorLike[] };
  const first = body.errors?.[0];
  if (first) throw new SwitchboardError(first.message, first.extensions?.code, body.errors ?? []);
  if (body.data == null) throw new SwitchboardError(`HTTP ${response.status}`, undefined, []);
  return body.data;
}
