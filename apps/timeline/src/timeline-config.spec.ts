import { describe, expect, it } from 'vitest';
import { ConfigError, describeEnvironment, loadConfig } from '#libs/platform';
import { documentationProblems, readConfigurationDoc } from '#libs/testing';
import { parseDuration, parseLeadTimesByKind, TimelineConfig } from './timeline.config.js';

describe('TimelineConfig', () => {
  it('has defaults that match docs/clocks.md', () => {
    const { timeline } = loadConfig({ timeline: TimelineConfig }, { env: {} });
    expect(timeline).toMatchObject({
      promptReportWithinMs: 24 * 3_600_000,
      acknowledgementWithinMs: 30 * 60_000,
      appiPreliminaryDays: 5,
      appiPreliminaryWarnAtDays: 3,
      alertLeadTimesMs: [24 * 3_600_000, 3_600_000],
      alertLeadTimesMsByKind: {
        'contract.acknowledgement': [600_000],
        'appi.final': [7 * 86_400_000, 86_400_000],
      },
    });
  });

  it('refuses malformed values, naming the variable', () => {
    const env = {
      TIMELINE_PROMPT_REPORT_WITHIN: '24 hours',
      TIMELINE_APPI_PRELIMINARY_WARN_AT_DAYS: '5',
      TIMELINE_ALERT_LEAD_TIMES_BY_KIND: 'appi.nope=1d',
      TIMELINE_SOURCE_TOPICS: 'bad topic',
    };
    try {
      loadConfig({ timeline: TimelineConfig }, { env });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      for (const name of Object.keys(env)) expect(String(error)).toContain(name);
    }
  });

  it('parses durations and per-kind lead times', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('0m')).toBeNaN();
    expect(parseLeadTimesByKind('appi.final=7d,1d;contract.acknowledgement=10m')).toEqual({
      'appi.final': [604_800_000, 86_400_000],
      'contract.acknowledgement': [600_000],
    });
    expect(parseLeadTimesByKind('appi.final')).toBeUndefined();
  });
});

describe('docs/configuration.md: timeline', () => {
  const documented = readConfigurationDoc();
  const declared = describeEnvironment({ timeline: TimelineConfig });

  it('documents every variable of TimelineConfig as declared', () => {
    expect(documentationProblems(declared, documented)).toEqual([]);
  });

  it('documents no variable in its section that the code does not read', () => {
    const names = new Set(declared.map((spec) => spec.name));
    const rows = [...documented].filter(([, row]) => row.section === 'Timeline');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map(([name]) => name).filter((name) => !names.has(name))).toEqual([]);
  });
});
