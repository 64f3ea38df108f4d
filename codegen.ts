import type { CodegenConfig } from '@graphql-codegen/cli';

const typedDocuments = {
  preset: 'client',
  presetConfig: { fragmentMasking: false },
  config: { scalars: { DateTime: 'string' }, enumsAsTypes: true, useTypeImports: true },
} as const;

// Typed documents generated from the committed schema: one set for the tests' operations,
// one for the client SDK (src/client/, exported as switchboard/client), which is committed
// so that the SDK and the demo page build without running codegen first.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'test/gql/': { ...typedDocuments, documents: ['test/**/*.ts', '!test/gql/**'] },
    'src/client/gql/': {
      ...typedDocuments,
      documents: ['src/client/**/*.ts', '!src/client/gql/**'],
      // Documents as typed strings: the SDK (and the demo bundle) need no GraphQL parser.
      config: { ...typedDocuments.config, documentMode: 'string' },
    },
  },
};

export default config;
