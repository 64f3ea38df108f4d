import { writeFileSync } from 'node:fs';
import { printSchemaSdl } from '../graphql/schema.js';

// Writes schema.graphql from the builder; a test fails when the committed file drifts.
writeFileSync(new URL('../../schema.graphql', import.meta.url), printSchemaSdl());
console.log('schema.graphql written');
