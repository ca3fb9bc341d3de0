import { describe, expect, it } from 'vitest';
import { describeEnvironment } from '#libs/platform';
import { documentationProblems, readConfigurationDoc } from '#libs/testing';
import { AuthConfig, LinkConfig } from './config.js';

/** docs/configuration.md documents libs/auth's variables in its own sections, as declared. */
const AUTH_SECTIONS = new Set(['Authentication', 'Signed links']);

describe('docs/configuration.md: authentication and signed links', () => {
  const documented = readConfigurationDoc();
  const declared = describeEnvironment({ auth: AuthConfig, links: LinkConfig });

  it('documents every variable of AuthConfig and LinkConfig as declared', () => {
    expect(documentationProblems(declared, documented)).toEqual([]);
  });

  it('documents no variable in those sections that the code does not read', () => {
    const names = new Set(declared.map((spec) => spec.name));
    const rows = [...documented].filter(([, row]) => AUTH_SECTIONS.has(row.section));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map(([name]) => name).filter((name) => !names.has(name))).toEqual([]);
  });
});
