import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './modules/auth.js';
import './modules/presence.js';
import './modules/rooms.js';
import './modules/messages.js';
import './modules/ops.js';
import './modules/message-changes.js';
import './modules/replies.js';
import './modules/moderation.js';
import './modules/search.js';
import './modules/read-state.js';
import './modules/typing.js';

export const schema: GraphQLSchema = builder.toSchema();

/** The SDL committed as schema.graphql: sorted, so that it diffs cleanly. */
export function printSchemaSdl(): string {
  return `# Generated from the Pothos builder by \`npm run schema\`; do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
