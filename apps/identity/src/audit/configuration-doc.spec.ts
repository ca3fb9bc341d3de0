import { describe, expect, it } from 'vitest';
import { describeEnvironment } from '#libs/platform';
import { documentationProblems, readConfigurationDoc } from '#libs/testing';
import { AuditAnalysisConfig } from './audit-analysis.config.js';

describe('docs/configuration.md: access analysis (identity)', () => {
  const documented = readConfigurationDoc();
  const declared = describeEnvironment({ analysis: AuditAnalysisConfig });

  it('documents every variable of AuditAnalysisConfig as declared', () => {
    expect(documentationProblems(declared, documented)).toEqual([]);
  });

  it('documents no variable in its section that the code does not read', () => {
    const names = new Set(declared.map((spec) => spec.name));
    const rows = [...documented].filter(([, row]) => row.section === 'Access analysis (identity)');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map(([name]) => name).filter((name) => !names.has(name))).toEqual([]);
  });
});
