import type { CodegenConfig } from '@graphql-codegen/cli';
import config from './codegen.js';

// What `npm test` generates: the tests' typed documents only. The committed client SDK
// (src/client/gql/) is left as it is, so that test/client-codegen.test.ts sees any drift.
const testsOnly: CodegenConfig = {
  ...config,
  generates: Object.fromEntries(
    Object.entries(config.generates).filter(([output]) => output === 'test/gql/'),
  ),
};

export default testsOnly;
