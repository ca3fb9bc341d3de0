import { describe, expect, it } from 'vitest';
import { describeEnvironment } from '#libs/platform';
import { documentationProblems, readConfigurationDoc } from '#libs/testing';
import { SubjectNotifierConfig } from './subject-notifier.config.js';

describe('docs/configuration.md: subject notifier', () => {
  const documented = readConfigurationDoc();
  const declared = describeEnvironment({ subjects: SubjectNotifierConfig });

  it('documents every variable of SubjectNotifierConfig as declared', () => {
    expect(documentationProblems(declared, documented)).toEqual([]);
  });

  it('documents no variable in its section that the code does not read', () => {
    const names = new Set(declared.map((spec) => spec.name));
    const rows = [...documented].filter(([, row]) => row.section === 'Subject notifier');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map(([name]) => name).filter((name) => !names.has(name))).toEqual([]);
  });
});
