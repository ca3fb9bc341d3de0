import { describe, expect, it } from 'vitest';
import { type Assessment, assess, type ClientKind, type RegimeId } from './assessment.js';
import { type AssessableFacts, REGIMES, RULES } from './assessment-rules.js';
import type { CountInput } from './facts.js';

/** Facts that trigger nothing: names of 10 persons, not encrypted, no improper purpose, no EU persons. */
function facts(overrides: Partial<AssessableFacts> = {}): AssessableFacts {
  return {
    dataKinds: ['DATA_KIND_NAME'],
    persons: { precision: 'exact', value: 10 },
    encrypted: 'no',
    improperPurposeSuspected: 'no',
    euPersonsPossiblyAffected: 'no',
    ...overrides,
  };
}

const run = (overrides: Partial<AssessableFacts> = {}, clientKind: ClientKind = 'private_sector') =>
  assess(facts(overrides), { clientKind });

const regime = (assessment: Assessment, id: RegimeId) => {
  const result = assessment.regimes.find((candidate) => candidate.regime === id);
  if (!result) throw new Error(`no result for ${id}`);
  return result;
};
const applies = (assessment: Assessment, id: RegimeId) => regime(assessment, id).applies;
const findings = (assessment: Assessment, id: RegimeId) =>
  regime(assessment, id).rules.map((rule) => `${rule.id}:${rule.status}`);
const threshold = (assessment: Assessment, ruleId: string) =>
  assessment.thresholds.find((candidate) => candidate.ruleId === ruleId)?.status;

const PRECISIONS = ['exact', 'about', 'at_least'] as const;
const count = (precision: (typeof PRECISIONS)[number], value: number): CountInput => ({ precision, value });

describe('person thresholds use the lower bound of the count', () => {
  describe.each(PRECISIONS)('precision %s', (precision) => {
    it.each([
      [1000, 'not_crossed', 'no'],
      [1001, 'crossed', 'yes'],
    ] as const)('APPI private sector: %i persons → %s', (value, status, expected) => {
      const result = run({ persons: count(precision, value) });
      expect(threshold(result, 'appi.private.persons_over_1000')).toBe(status);
      expect(applies(result, 'appi_private_sector')).toBe(expected);
    });

    it.each([
      [100, 'not_crossed', 'no'],
      [101, 'crossed', 'yes'],
    ] as const)('APPI public body: %i persons → %s', (value, status, expected) => {
      const result = run({ persons: count(precision, value) }, 'public_body');
      expect(threshold(result, 'appi.public.persons_over_100')).toBe(status);
      expect(applies(result, 'appi_public_body')).toBe(expected);
      // the contractor's own (private-sector) threshold is evaluated beside it
      expect(threshold(result, 'appi.private.persons_over_1000')).toBe('not_crossed');
      expect(applies(result, 'appi_private_sector')).toBe('no');
    });

    it.each([
      [100, 'not_crossed', 'possibly'],
      [101, 'crossed', 'yes'],
    ] as const)('My Number: %i persons → %s', (value, status, expected) => {
      const result = run({ persons: count(precision, value), dataKinds: ['DATA_KIND_MY_NUMBER'] });
      expect(threshold(result, 'my_number.persons_over_100')).toBe(status);
      expect(applies(result, 'my_number')).toBe(expected);
    });
  });

  it('an unknown number of persons crosses nothing but is flagged unknown', () => {
    const result = run({ persons: { precision: 'unknown' } }, 'public_body');
    expect(threshold(result, 'appi.private.persons_over_1000')).toBe('unknown');
    expect(threshold(result, 'appi.public.persons_over_100')).toBe('unknown');
    expect(findings(result, 'appi_private_sector')).toEqual(['appi.private.persons_over_1000:unknown']);
    expect(applies(result, 'appi_private_sector')).toBe('no');
    expect(applies(result, 'appi_public_body')).toBe('no');
    expect(result.summaryEn).toBe(
      'No report to the PPC required on the facts known so far (number of persons not yet known)',
    );
    expect(result.summaryJa).toBe('現時点の事実では個人情報保護委員会への報告は不要（本人の数は未確定）');
  });

  it('the threshold of a regime out of scope is not listed', () => {
    const result = run({ persons: count('exact', 5000) }, 'private_sector');
    expect(result.thresholds.map((check) => check.ruleId)).toEqual(['appi.private.persons_over_1000']);
  });
});

describe('APPI categories (Rule 7)', () => {
  it.each([
    [['DATA_KIND_SENSITIVE'], 'appi.private.sensitive', 'sensitive personal information', '要配慮個人情報'],
    [['DATA_KIND_FINANCIAL'], 'appi.private.financial', 'risk of financial damage', '財産的被害のおそれ'],
    [['DATA_KIND_CREDENTIALS'], 'appi.private.financial', 'risk of financial damage', '財産的被害のおそれ'],
  ] as const)('%s makes APPI apply by %s', (dataKinds, ruleId, en, ja) => {
    const result = run({ dataKinds: [...dataKinds] });
    expect(applies(result, 'appi_private_sector')).toBe('yes');
    expect(findings(result, 'appi_private_sector')).toEqual([`${ruleId}:met`]);
    expect(result.summaryEn).toBe(`APPI report to the PPC likely required: ${en}`);
    expect(result.summaryJa).toBe(`個人情報保護委員会への報告が必要となる可能性: ${ja}`);
  });

  it('a suspected improper purpose makes APPI apply; unknown is flagged only', () => {
    expect(findings(run({ improperPurposeSuspected: 'yes' }), 'appi_private_sector')).toEqual([
      'appi.private.improper_purpose:met',
    ]);
    const unknown = run({ improperPurposeSuspected: 'unknown' });
    expect(findings(unknown, 'appi_private_sector')).toEqual(['appi.private.improper_purpose:unknown']);
    expect(applies(unknown, 'appi_private_sector')).toBe('no');
  });

  it('lists every ground in the summary', () => {
    const result = run({
      dataKinds: ['DATA_KIND_SENSITIVE', 'DATA_KIND_FINANCIAL'],
      improperPurposeSuspected: 'yes',
      persons: count('at_least', 1200),
    });
    expect(result.summaryEn).toBe(
      'APPI report to the PPC likely required: sensitive personal information, risk of financial damage, possibly for an improper purpose, more than 1,000 persons',
    );
    expect(result.summaryJa).toBe(
      '個人情報保護委員会への報告が必要となる可能性: 要配慮個人情報、財産的被害のおそれ、不正の目的によるおそれ、1,000人超',
    );
    expect(regime(result, 'appi_private_sector').rules.at(-1)?.reason).toBe(
      'more than 1,000 persons (at least 1,200)',
    );
  });

  it('nothing reportable: the summary says so', () => {
    const result = run();
    expect(result.regimes.map((r) => [r.regime, r.applies])).toEqual([
      ['appi_private_sector', 'no'],
      ['appi_public_body', 'no'],
      ['my_number', 'no'],
      ['gdpr', 'no'],
      ['processor_duty', 'yes'],
    ]);
    expect(result.summaryEn).toBe('No report to the PPC required on the facts known so far');
    expect(result.summaryJa).toBe('現時点の事実では個人情報保護委員会への報告は不要');
  });
});

describe('encryption exempts categories (1), (2) and (4), not an improper purpose', () => {
  it.each([
    [{ dataKinds: ['DATA_KIND_SENSITIVE'] }, 'appi.private.sensitive'],
    [{ dataKinds: ['DATA_KIND_FINANCIAL'] }, 'appi.private.financial'],
    [{ persons: count('exact', 5000) }, 'appi.private.persons_over_1000'],
  ] as const)('%o with encrypted data: %s exempt', (overrides, ruleId) => {
    const result = run({ ...(overrides as Partial<AssessableFacts>), encrypted: 'yes' });
    expect(findings(result, 'appi_private_sector')).toEqual([`${ruleId}:exempt`]);
    expect(applies(result, 'appi_private_sector')).toBe('no');
    expect(regime(result, 'appi_private_sector').rules[0].reason).toMatch(/exempt, the data was encrypted$/);
  });

  it('an improper purpose still applies when encrypted', () => {
    const result = run({
      improperPurposeSuspected: 'yes',
      dataKinds: ['DATA_KIND_SENSITIVE'],
      encrypted: 'yes',
    });
    expect(findings(result, 'appi_private_sector')).toEqual([
      'appi.private.sensitive:exempt',
      'appi.private.improper_purpose:met',
    ]);
    expect(applies(result, 'appi_private_sector')).toBe('yes');
  });

  it('encryption not yet known exempts nothing', () => {
    expect(
      applies(run({ dataKinds: ['DATA_KIND_SENSITIVE'], encrypted: 'unknown' }), 'appi_private_sector'),
    ).toBe('yes');
  });

  it('the public-body variant is exempted the same way', () => {
    const result = run({ persons: count('exact', 500), encrypted: 'yes' }, 'public_body');
    expect(findings(result, 'appi_public_body')).toEqual(['appi.public.persons_over_100:exempt']);
    expect(applies(result, 'appi_public_body')).toBe('no');
  });
});

describe('APPI public-body variant depends on the client', () => {
  it.each([
    [
      'public_body',
      'yes',
      'APPI report by the public body to the PPC likely required: more than 100 persons',
    ],
    [
      'unknown',
      'possibly',
      'if the client is a public body, APPI report to the PPC likely required: more than 100 persons',
    ],
    ['private_sector', 'no', 'No report to the PPC required on the facts known so far'],
  ] as const)('client %s → %s', (clientKind, expected, summaryEn) => {
    const result = run({ persons: count('about', 500) }, clientKind);
    expect(applies(result, 'appi_public_body')).toBe(expected);
    expect(result.summaryEn).toBe(summaryEn);
    if (clientKind === 'private_sector') expect(regime(result, 'appi_public_body').rules).toEqual([]);
  });

  it('the same categories apply to a public body', () => {
    const result = run(
      { dataKinds: ['DATA_KIND_SENSITIVE'], improperPurposeSuspected: 'yes' },
      'public_body',
    );
    expect(findings(result, 'appi_public_body')).toEqual([
      'appi.public.sensitive:met',
      'appi.public.improper_purpose:met',
    ]);
  });
});

describe('My Number', () => {
  it('involved alone: always flagged, "possibly", even below the thresholds', () => {
    const result = run({ dataKinds: ['DATA_KIND_MY_NUMBER'], persons: count('exact', 3) });
    expect(applies(result, 'my_number')).toBe('possibly');
    expect(findings(result, 'my_number')).toEqual(['my_number.involved:met']);
    expect(result.summaryEn).toBe(
      'My Number data involved: report to the PPC advised even below the thresholds',
    );
    expect(result.summaryJa).toBe('特定個人情報を含む: 基準未満でも個人情報保護委員会への報告が望ましい');
  });

  it('with an improper purpose: applies', () => {
    const result = run({ dataKinds: ['DATA_KIND_MY_NUMBER'], improperPurposeSuspected: 'yes' });
    expect(applies(result, 'my_number')).toBe('yes');
    expect(result.summaryEn).toContain(
      'My Number report to the PPC likely required: possibly for an improper purpose',
    );
  });

  it('encryption does not exempt My Number', () => {
    const result = run({
      dataKinds: ['DATA_KIND_MY_NUMBER'],
      persons: count('exact', 500),
      encrypted: 'yes',
    });
    expect(applies(result, 'my_number')).toBe('yes');
  });

  it('not involved: out of scope, no findings, no threshold', () => {
    const result = run({ persons: count('exact', 500), improperPurposeSuspected: 'yes' });
    expect(applies(result, 'my_number')).toBe('no');
    expect(regime(result, 'my_number').rules).toEqual([]);
    expect(threshold(result, 'my_number.persons_over_100')).toBeUndefined();
  });
});

describe('GDPR', () => {
  it.each([
    ['yes', 'possibly', ['gdpr.eu_persons:met']],
    ['unknown', 'possibly', ['gdpr.eu_persons:unknown']],
    ['no', 'no', []],
  ] as const)('EU persons possibly affected %s → %s', (eu, expected, rules) => {
    const result = run({ euPersonsPossiblyAffected: eu });
    expect(applies(result, 'gdpr')).toBe(expected);
    expect(findings(result, 'gdpr')).toEqual(rules);
    if (expected === 'possibly') {
      expect(regime(result, 'gdpr').rules[0].reason).toContain('72 hours');
      expect(result.summaryEn).toBe('GDPR may apply: notify the supervisory authority within 72 hours');
      expect(result.summaryJa).toBe('GDPRが適用される可能性: 72時間以内に監督機関へ通知');
    }
  });
});

describe('the processor duty and the table itself', () => {
  it('the contractor reports to the client in every case', () => {
    for (const result of [run(), run({ encrypted: 'yes' }), run({ persons: { precision: 'unknown' } })]) {
      expect(applies(result, 'processor_duty')).toBe('yes');
      expect(findings(result, 'processor_duty')).toEqual(['contract.processor_notifies_client:met']);
    }
  });

  it('rule ids are unique and each rule belongs to a known regime', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    const regimes = new Set(REGIMES.map((definition) => definition.regime));
    for (const rule of RULES) expect(regimes.has(rule.regime)).toBe(true);
  });

  it('is driven by the table: a rules table without the 1,000-person rule never crosses it', () => {
    const withoutThreshold = RULES.filter((rule) => rule.id !== 'appi.private.persons_over_1000');
    const result = assess(
      facts({ persons: count('exact', 5000) }),
      { clientKind: 'private_sector' },
      withoutThreshold,
    );
    expect(applies(result, 'appi_private_sector')).toBe('no');
    expect(result.thresholds).toEqual([]);
  });
});
