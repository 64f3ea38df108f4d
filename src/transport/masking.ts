import { maskError } from '../graphql/errors.js';
import { withoutSuggestions } from './schema-privacy.js';

/** Yoga's error masking; also applied to the subscription results written past Yoga. */
export function maskOperationError(error: unknown, message: string): Error {
  const masked = maskError(error, message);
  masked.message = withoutSuggestions(masked.message);
  return masked;
}

/** What Yoga says instead of an unexpected error. */
export const MASKED_ERROR_MESSAGE = 'Unexpected error.';
