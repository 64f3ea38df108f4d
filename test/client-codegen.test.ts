import { readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';

const CLIENT_OUTPUT = 'src/client/gql/';

describe('client SDK', () => {
  it('src/client/gql/ is what codegen makes of schema.graphql and src/client (run `npm run codegen`)', async () => {
    const target = config.generates[CLIENT_OUTPUT];
    if (!target) throw new Error(`codegen.ts no longer generates ${CLIENT_OUTPUT}`);
    // Generated in memory and compared with the committed files (`npm test` regenerates only
    // test/gql/, see codegen.tests.ts, so a stale SDK fails here instead of changing silently).
    const outputs: Array<{ filename: string; content: string }> = await generate(
      { ...config, generates: { [CLIENT_OUTPUT]: target } },
      false,
    );
    const generated = outputs.map((output) => relative(CLIENT_OUTPUT, output.filename)).sort();
    expect(readdirSync(CLIENT_OUTPUT).sort()).toEqual(generated);
    for (const { filename, content } of outputs) {
      const onDisk = readFileSync(resolve(filename), 'utf8');
      expect(onDisk, `${filename} drifted from codegen`).toBe(content);
    }
  });
});
