import type { Migration } from 'kysely';
import * as initial from './2026-11-22T00-00-initial.js';
import * as retention from './2026-11-25T00-00-retention.js';
import * as messageChanges from './2026-11-25T10-00-message-changes.js';
import * as readState from './2026-11-25T10-30-read-state.js';
import * as coveringRankIndexes from './2026-12-01T21-40-covering-rank-indexes.js';

/** Every migration, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '2026-11-22T00-00-initial': initial,
  '2026-11-25T00-00-retention': retention,
  '2026-11-25T10-00-message-changes': messageChanges,
  '2026-11-25T10-30-read-state': readState,
  '2026-12-01T21-40-covering-rank-indexes': coveringRankIndexes,
};
