import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEnvironment } from './load-config.js';
import { DatabaseConfig, KafkaConfig, PLATFORM_CONFIG_SHAPE, serviceDefaults } from './platform-config.js';

/**
 * docs/configuration.md is the reference operators, docker-compose.yml and README.md follow: every
 * variable the platform reads must be in it, with the same required/default/secret facts.
 */

interface DocumentedVariable {
  section: string;
  required: string;
  default: string;
  secret: string;
}

function documentedVariables(): Map<string, DocumentedVariable> {
  const text = readFileSync(join(process.cwd(), 'docs', 'configuration.md'), 'utf8');
  const rows = new Map<string, DocumentedVariable>();
  let section = '';
  for (const line of text.split('\n')) {
    section = /^###\s+(.+?)\s*$/.exec(line)?.[1] ?? section;
    const cells = line.split('|').map((cell) => cell.trim());
    // | `NAME` | required | default | secret | meaning |
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? '')?.[1];
    if (name && cells.length >= 7) {
      rows.set(name, { section, required: cells[2], default: cells[3], secret: cells[4] });
    }
  }
  return rows;
}

const SERVICE_DEPENDENT = new Set(Object.keys(serviceDefaults('any')));

/**
 * The sections of the document that hold the platform's variables; other libs (auth, audit, …)
 * document theirs in sections of their own and check them in their own tests.
 */
const PLATFORM_SECTIONS = new Set(['Service', 'HTTP', 'Logging', 'Database (PostgreSQL)', 'Kafka']);

describe('docs/configuration.md', () => {
  const documented = documentedVariables();
  const declared = describeEnvironment({
    ...PLATFORM_CONFIG_SHAPE,
    database: DatabaseConfig,
    kafka: KafkaConfig,
  });

  it.each(declared.map((spec) => [spec.name, spec] as const))('documents %s as declared', (name, spec) => {
    const row = documented.get(name);
    expect(row, `${name} is missing from docs/configuration.md`).toBeDefined();
    if (!row) return;

    const required = spec.default === undefined && !spec.optional && !SERVICE_DEPENDENT.has(name);
    const requiredCell = row.required.replaceAll('*', '');
    if (spec.requiredWhen) expect(requiredCell).toMatch(/^with /);
    else expect(requiredCell).toBe(required ? 'yes' : 'no');
    expect(row.secret.replaceAll('*', '')).toBe(spec.secret ? 'yes' : 'no');
    if (spec.default !== undefined) expect(row.default).toBe(`\`${spec.default}\``);
    else if (!SERVICE_DEPENDENT.has(name)) expect(row.default).toBe('—');
  });

  it('documents no platform variable that the code does not read', () => {
    const names = new Set(declared.map((spec) => spec.name));
    const platformRows = [...documented].filter(([, row]) => PLATFORM_SECTIONS.has(row.section));
    expect(platformRows.map(([name]) => name).filter((name) => !names.has(name))).toEqual([]);
  });
});
