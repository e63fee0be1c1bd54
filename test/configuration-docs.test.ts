import { readFileSync } from 'node:fs';
import type { TObject } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { PumpEnv } from '../data-pump/pump-config.js';
import { ReaderEnv } from '../data-reader/reader-config.js';
import { WriterEnv } from '../data-writer/writer-config.js';
import { DeployEnv } from '../deploy-manager/dm-config.js';
import { GridEnv } from '../messaging-grid/grid-config.js';
import { UnitEnv } from '../processing-unit/unit-config.js';

const SCHEMAS: Record<string, TObject> = {
  'deploy manager': DeployEnv,
  'messaging grid': GridEnv,
  'processing unit': UnitEnv,
  'data pump': PumpEnv,
  'data writer': WriterEnv,
  'data reader': ReaderEnv,
};

/** Every variable any process reads, from the schemas each `main.ts` parses its environment with. */
const variables = [
  ...new Set(Object.values(SCHEMAS).flatMap((schema) => Object.keys(schema.properties))),
].sort();

describe('configuration docs', () => {
  it('the README table names every environment variable a process reads', () => {
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('## ', readme.indexOf('## Configuration') + 5),
    );
    expect(variables.filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
  });

  it('.env.example lists every one of them, and nothing else', () => {
    const listed = readFileSync('.env.example', 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect([...listed].sort()).toEqual(variables);
  });

  it('.env.example gives each variable the default its process uses', () => {
    const defaults = new Map<string, string>();
    for (const line of readFileSync('.env.example', 'utf8').split('\n')) {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (match) defaults.set(match[1]!, match[2]!);
    }
    for (const [part, schema] of Object.entries(SCHEMAS)) {
      for (const [name, property] of Object.entries(schema.properties)) {
        const fallback = (property as { default?: unknown }).default;
        // PORT differs per process (the example shows the public one); HZ_MEMBERS is empty for
        // `npm start` (the manager starts members), while a part run alone defaults to 5701,5702.
        if (fallback === undefined || name === 'PORT' || name === 'HZ_MEMBERS') continue;
        expect(`${name}=${defaults.get(name)}`, `${name} (${part})`).toBe(`${name}=${String(fallback)}`);
      }
    }
  });
});
