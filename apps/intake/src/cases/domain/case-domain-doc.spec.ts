import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REGIMES, RULES } from './assessment-rules.js';

/** docs/case-domain.md is checked against the code: the rules table and every refusal code. */
const here = dirname(fileURLToPath(import.meta.url));
const doc = readFileSync(join(here, '../../../../../docs/case-domain.md'), 'utf8');

/** The rules table as docs/case-domain.md must show it (copy this block into the doc when a rule changes). */
function renderRulesTable(): string {
  const rows = RULES.map((rule) =>
    [
      `\`${rule.id}\``,
      `\`${rule.regime}\``,
      rule.description,
      rule.personsThreshold === undefined ? '' : `> ${rule.personsThreshold}`,
      rule.exemptWhenEncrypted ? 'yes' : 'no',
      rule.whenMet,
      rule.whenUnknown,
    ].join(' | '),
  );
  return [
    '| rule id | regime | description | persons threshold | exempt if encrypted | when met | when unknown |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

function refusalCodes(): string[] {
  const sources = readdirSync(here).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'));
  const codes = new Set<string>();
  for (const name of sources) {
    for (const match of readFileSync(join(here, name), 'utf8').matchAll(/code: '([a-z_.]+)'/g))
      codes.add(match[1]);
  }
  // refused() in instructions.ts takes the code as an argument
  for (const match of readFileSync(join(here, 'instructions.ts'), 'utf8').matchAll(
    /'(instruction\.[a-z_]+)'/g,
  )) {
    codes.add(match[1]);
  }
  return [...codes].sort();
}

describe('docs/case-domain.md', () => {
  it('shows the rules table exactly as the code defines it', () => {
    expect(doc, `the doc's rules table is stale; expected:\n${renderRulesTable()}`).toContain(
      renderRulesTable(),
    );
  });

  it('names every regime', () => {
    for (const regime of REGIMES) expect(doc).toContain(`\`${regime.regime}\``);
  });

  it('lists every refusal code the domain can throw', () => {
    const codes = refusalCodes();
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes)
      expect(doc, `docs/case-domain.md does not list ${code}`).toContain(`\`${code}\``);
  });
});
