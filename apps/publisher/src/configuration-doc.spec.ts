import { describe, expect, it } from 'vitest';
import { describeEnvironment } from '#libs/platform';
import { documentationProblems, readConfigurationDoc } from '#libs/testing';
import { PublisherConfig } from './publisher.config.js';

describe('docs/configuration.md: publisher', () => {
  const documented = readConfigurationDoc();
  const declared = describeEnvironment({ publisher: PublisherConfig });

  it('documents every variable of PublisherConfig as declared', () => {
    expect(documentationProblems(declared, documented)).toEqual([]);
  });

  it('documents no variable in its section that the code does not read', () => {
    const names = new Set(declared.map((spec) => spec.name));
    const rows = [...documented].filter(([, row]) => row.section === 'Publisher');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map(([name]) => name).filter((name) => !names.has(name))).toEqual([]);
  });
});
