import { existsSync, readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl, schema } from '../src/graphql/schema.js';

// The contract lives beside the repo (`../shared/contract`); a checkout elsewhere finds the
// workspace's copy.
const contractDir = [
  new URL('../../shared/contract/', import.meta.url).pathname,
  '/work/shared/contract/',
].find((dir) => existsSync(dir));
const contract = (file: string) => {
  if (!contractDir) throw new Error('../shared/contract not found beside the repository');
  return readFileSync(`${contractDir}${file}`, 'utf8');
};

describe('schema', () => {
  it('schema.graphql is what the builder prints (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSchemaSdl());
  });

  it('does not break contract.graphql', () => {
    const changes = findBreakingChanges(buildSchema(contract('contract.graphql')), schema);
    expect(changes).toEqual([]);
  });

  it('does not break features.graphql (on top of contract.graphql)', () => {
    const full = buildSchema(`${contract('contract.graphql')}\n${contract('features.graphql')}`);
    expect(findBreakingChanges(full, schema)).toEqual([]);
  });

  it('the contract check fails on a real break', () => {
    const broken = buildSchema(contract('contract.graphql').replace('seq: Int!', 'seq: String!'));
    expect(findBreakingChanges(buildSchema(contract('contract.graphql')), broken)).not.toEqual([]);
  });
});
