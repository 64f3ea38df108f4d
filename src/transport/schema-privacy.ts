import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** graphql-js's "Did you mean …?" hints, which spell out the schema field by field. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** A message without the schema hints graphql-js adds to it. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '').trim();
}

/**
 * With introspection off, suggestions would still reveal the schema one typo at a time.
 * graphql-armor removes the field, argument and type hints from validation errors; its
 * pattern misses an enum literal's ("Did you mean the enum value …?"), removed after it.
 * Errors of execution (a variable's enum value) lose theirs when masked (see http.ts).
 */
export function hiddenSuggestionsPlugins(): Plugin[] {
  const enumHints: Plugin = {
    onValidate:
      () =>
      ({ valid, result }) => {
        if (valid) return;
        for (const error of result) error.message = withoutSuggestions(error.message);
      },
  };
  return [blockFieldSuggestionsPlugin({ mask: '' }), enumHints];
}

/** `__schema` and `__type` refused as validation errors; `__typename` stays allowed. */
export function noIntrospectionPlugin(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
