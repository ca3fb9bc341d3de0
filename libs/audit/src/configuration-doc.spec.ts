import { describe, expect, it } from 'vitest';
import { describeEnvironment } from '#libs/platform';
import { documentationProblems, readConfigurationDoc } from '#libs/testing';
import { AccessLogConfig } from './access-log.config.js';

describe('docs/configuration.md: the access log', () => {
  const documented = readConfigurationDoc();
  const declared = describeEnvironment({ audit: AccessLogConfig });

  it('documents every variable of AccessLogConfig as declared', () => {
    expect(documentationProblems(declared, documented)).toEqual([]);
  });

  it('documents no variable in its section that the code does not read', () => {
    const names = new Set(declared.map((spec) => spec.name));
    const rows = [...documented].filter(([, row]) => row.section === 'Access log');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map(([name]) => name).filter((name) => !names.has(name))).toEqual([]);
  });
});
