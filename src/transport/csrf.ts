import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * Any of these headers shows that the request is not a browser's "simple" request, which
 * another site could make with the user's cookies without a CORS preflight. Yoga's, and
 * Apollo's two, so that clients configured for either pass.
 */
export const CSRF_HEADERS = [
  'x-graphql-yoga-csrf',
  'apollo-require-preflight',
  'x-apollo-operation-name',
];

/**
 * Yoga's CSRF prevention: a GET, or a POST whose content type a form can send
 * (form-urlencoded, multipart, text/plain), needs one of CSRF_HEADERS. JSON bodies pass.
 * Its error comes without a code; every refusal here has one.
 */
export function csrfPreventionPlugin(): Plugin {
  const prevention = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      try {
        prevention.onRequestParse?.(payload);
      } catch {
        // Its only failure: no CSRF header on a request a browser sends without preflight.
        throw createGraphQLError(
          `a GET or form request needs one of the headers ${CSRF_HEADERS.join(', ')} (CSRF prevention)`,
          { extensions: { http: { status: 403 }, code: 'BAD_REQUEST' } },
        );
      }
    },
  };
}
