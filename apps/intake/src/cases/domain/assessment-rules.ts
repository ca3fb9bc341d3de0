import type { DataKindJson } from '#libs/contracts';
import type { CountInput, ReportFacts, TriState } from './facts.js';

/**
 * The regulatory rules as DATA: which regimes exist, when each is in scope, and the rules that make it
 * apply. `assess()` (assessment.ts) only interprets this table; changing a rule means editing an entry
 * here, and docs/case-domain.md is checked against this table by a test.
 *
 * Sources: /work/shared/design/REGULATIONS.md (APPI Art. 26 and Rules 7-10; Art. 68 and Rules 43-45 for
 * public bodies; My Number Act Art. 29-4; GDPR Art. 33/34) and the contract's Art. 16(1).
 */

export type Applicability = 'yes' | 'no' | 'possibly';

export type RegimeId = 'appi_private_sector' | 'appi_public_body' | 'my_number' | 'gdpr' | 'processor_duty';

/** Whether the client is a public body 行政機関等; the HTTP layer looks it up from the contract. */
export type ClientKind = 'private_sector' | 'public_body' | 'unknown';

export interface AssessmentContext {
  clientKind: ClientKind;
}

/** The facts the rules read. */
export type AssessableFacts = Pick<
  ReportFacts,
  'dataKinds' | 'persons' | 'encrypted' | 'improperPurposeSuspected' | 'euPersonsPossiblyAffected'
>;

/** What a rule finds: its condition holds, does not hold, or depends on a fact not yet known. */
export type Verdict = 'met' | 'not_met' | 'unknown';

export interface RegimeDefinition {
  readonly regime: RegimeId;
  readonly description: string;
  /**
   * Whether the regime is in scope at all; caps the result (a regime "possibly" in scope applies at
   * most "possibly", one out of scope never applies).
   */
  readonly scope: (facts: AssessableFacts, context: AssessmentContext) => Applicability;
  /** The head of the summary line when the regime applies ("yes") or may apply ("possibly"). */
  readonly headline: { readonly [A in 'yes' | 'possibly']: { readonly en: string; readonly ja: string } };
}

export interface AssessmentRule {
  /** stable id, recorded in the assessment event */
  readonly id: string;
  readonly regime: RegimeId;
  readonly description: string;
  /** short phrase for the summary line and the finding's reason */
  readonly label: { readonly en: string; readonly ja: string };
  /** the reason recorded when the rule's fact is not yet known */
  readonly unknownReason?: string;
  /** a person-count threshold: the rule holds for MORE than this many persons (lower bound of the count) */
  readonly personsThreshold?: number;
  /**
   * Strong ("high-level") encryption exempts the category (PPC guideline §3-5-3-1: categories (1), (2) and
   * (4) are not reportable when the data was protected by high-level encryption). An improper purpose
   * (3) is not exempted. Treat as configurable: the guideline's conditions on key management are not
   * modelled; `encrypted = yes` is taken to mean they are met.
   */
  readonly exemptWhenEncrypted: boolean;
  /** what the regime's result becomes when the rule holds */
  readonly whenMet: 'yes' | 'possibly';
  /** what the regime's result becomes when the rule's fact is unknown */
  readonly whenUnknown: 'no' | 'possibly';
  readonly test: (facts: AssessableFacts, context: AssessmentContext) => Verdict;
}

// ---- predicates -------------------------------------------------------------------------------------

const involves =
  (...kinds: DataKindJson[]) =>
  (facts: AssessableFacts): Verdict =>
    kinds.some((kind) => facts.dataKinds.includes(kind)) ? 'met' : 'not_met';

const isYes = (value: TriState): Verdict =>
  value === 'yes' ? 'met' : value === 'unknown' ? 'unknown' : 'not_met';

/**
 * The lower bound of a count: exact N, about N and at least N all count as N (an estimate is not
 * rounded up); an unknown count has none.
 */
export function personsLowerBound(count: CountInput): number | undefined {
  return count.precision === 'unknown' ? undefined : count.value;
}

const morePersonsThan =
  (threshold: number) =>
  (facts: AssessableFacts): Verdict => {
    const lowerBound = personsLowerBound(facts.persons);
    if (lowerBound === undefined) return 'unknown';
    return lowerBound > threshold ? 'met' : 'not_met';
  };

const always = (): Verdict => 'met';

// ---- the regimes ------------------------------------------------------------------------------------

export const REGIMES: readonly RegimeDefinition[] = [
  {
    regime: 'appi_private_sector',
    description:
      'APPI, private sector (Art. 26; Rules 7-10): report to the PPC. Always evaluated: the contractor is a private business, and REGULATIONS.md asks to evaluate both thresholds when the client is a public body.',
    scope: () => 'yes',
    headline: {
      yes: {
        en: 'APPI report to the PPC likely required',
        ja: '個人情報保護委員会への報告が必要となる可能性',
      },
      possibly: {
        en: 'APPI report to the PPC may be required',
        ja: '個人情報保護委員会への報告が必要となるおそれ',
      },
    },
  },
  {
    regime: 'appi_public_body',
    description:
      'APPI, public bodies 行政機関等 (Art. 68; Rules 43-45): in scope when the client is a public body, possibly when that is not known.',
    scope: (_facts, context) =>
      context.clientKind === 'public_body' ? 'yes' : context.clientKind === 'unknown' ? 'possibly' : 'no',
    headline: {
      yes: {
        en: 'APPI report by the public body to the PPC likely required',
        ja: '行政機関等として個人情報保護委員会への報告が必要となる可能性',
      },
      possibly: {
        en: 'if the client is a public body, APPI report to the PPC likely required',
        ja: '委託元が行政機関等であれば個人情報保護委員会への報告が必要となる可能性',
      },
    },
  },
  {
    regime: 'my_number',
    description: 'My Number Act (Art. 29-4): in scope when My Number data is involved.',
    scope: (facts) => (facts.dataKinds.includes('DATA_KIND_MY_NUMBER') ? 'yes' : 'no'),
    headline: {
      yes: {
        en: 'My Number report to the PPC likely required',
        ja: '特定個人情報の漏えい等として個人情報保護委員会への報告が必要となる可能性',
      },
      possibly: {
        en: 'My Number data involved: report to the PPC advised even below the thresholds',
        ja: '特定個人情報を含む: 基準未満でも個人情報保護委員会への報告が望ましい',
      },
    },
  },
  {
    regime: 'gdpr',
    description:
      'EU GDPR Art. 33/34: 72 hours to the supervisory authority unless the breach is unlikely to result in a risk; a judgement the facts cannot make, so at most "possibly".',
    scope: () => 'possibly',
    headline: {
      yes: {
        en: 'GDPR applies: notify the supervisory authority within 72 hours',
        ja: 'GDPR適用: 72時間以内に監督機関へ通知',
      },
      possibly: {
        en: 'GDPR may apply: notify the supervisory authority within 72 hours',
        ja: 'GDPRが適用される可能性: 72時間以内に監督機関へ通知',
      },
    },
  },
  {
    regime: 'processor_duty',
    description:
      'The contract (Art. 16(1)): the contractor reports to the client promptly. Always applies; under APPI and GDPR this is also how a processor discharges its own duty.',
    scope: () => 'yes',
    headline: {
      yes: { en: 'The contractor reports to the client promptly', ja: '受託者は委託元へ速やかに報告' },
      possibly: { en: 'The contractor reports to the client promptly', ja: '受託者は委託元へ速やかに報告' },
    },
  },
];

// ---- the rules --------------------------------------------------------------------------------------

const SENSITIVE = { en: 'sensitive personal information', ja: '要配慮個人情報' };
const FINANCIAL = { en: 'risk of financial damage', ja: '財産的被害のおそれ' };
const IMPROPER = { en: 'possibly for an improper purpose', ja: '不正の目的によるおそれ' };
const IMPROPER_UNKNOWN = 'whether an improper purpose is suspected is not yet known';
const PERSONS_UNKNOWN = 'number of persons not yet known';

export const RULES: readonly AssessmentRule[] = [
  // APPI private sector: Rule 7 (1)-(4)
  {
    id: 'appi.private.sensitive',
    regime: 'appi_private_sector',
    description: 'Rule 7(1): sensitive personal information 要配慮個人情報 (data kind SENSITIVE)',
    label: SENSITIVE,
    exemptWhenEncrypted: true,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: involves('DATA_KIND_SENSITIVE'),
  },
  {
    id: 'appi.private.financial',
    regime: 'appi_private_sector',
    description: 'Rule 7(2): risk of financial damage 財産的被害 (data kind FINANCIAL or CREDENTIALS)',
    label: FINANCIAL,
    exemptWhenEncrypted: true,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: involves('DATA_KIND_FINANCIAL', 'DATA_KIND_CREDENTIALS'),
  },
  {
    id: 'appi.private.improper_purpose',
    regime: 'appi_private_sector',
    description: 'Rule 7(3): possibly for an improper purpose 不正の目的 (theft, unauthorised access)',
    label: IMPROPER,
    unknownReason: IMPROPER_UNKNOWN,
    exemptWhenEncrypted: false,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: (facts) => isYes(facts.improperPurposeSuspected),
  },
  {
    id: 'appi.private.persons_over_1000',
    regime: 'appi_private_sector',
    description:
      'Rule 7(4): more than 1,000 persons (lower bound of the count; unknown is flagged, not crossed)',
    label: { en: 'more than 1,000 persons', ja: '1,000人超' },
    unknownReason: PERSONS_UNKNOWN,
    personsThreshold: 1000,
    exemptWhenEncrypted: true,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: morePersonsThan(1000),
  },
  // APPI public bodies: Rule 43 (1)-(4); (5) 条例要配慮個人情報 needs the local ordinance and is not modelled
  {
    id: 'appi.public.sensitive',
    regime: 'appi_public_body',
    description: 'Rule 43(1): sensitive personal information (data kind SENSITIVE)',
    label: SENSITIVE,
    exemptWhenEncrypted: true,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: involves('DATA_KIND_SENSITIVE'),
  },
  {
    id: 'appi.public.financial',
    regime: 'appi_public_body',
    description: 'Rule 43(2): risk of financial damage (data kind FINANCIAL or CREDENTIALS)',
    label: FINANCIAL,
    exemptWhenEncrypted: true,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: involves('DATA_KIND_FINANCIAL', 'DATA_KIND_CREDENTIALS'),
  },
  {
    id: 'appi.public.improper_purpose',
    regime: 'appi_public_body',
    description: 'Rule 43(3): possibly for an improper purpose',
    label: IMPROPER,
    unknownReason: IMPROPER_UNKNOWN,
    exemptWhenEncrypted: false,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: (facts) => isYes(facts.improperPurposeSuspected),
  },
  {
    id: 'appi.public.persons_over_100',
    regime: 'appi_public_body',
    description: 'Rule 43(4): more than 100 persons (lower bound of the count)',
    label: { en: 'more than 100 persons', ja: '100人超' },
    unknownReason: PERSONS_UNKNOWN,
    personsThreshold: 100,
    exemptWhenEncrypted: true,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: morePersonsThan(100),
  },
  // My Number (in scope only when My Number data is involved)
  {
    id: 'my_number.involved',
    regime: 'my_number',
    description:
      'My Number data involved: the PPC asks for a report even below the thresholds (always flagged as "possibly")',
    label: { en: 'My Number data involved', ja: '特定個人情報を含む' },
    exemptWhenEncrypted: false,
    whenMet: 'possibly',
    whenUnknown: 'no',
    test: involves('DATA_KIND_MY_NUMBER'),
  },
  {
    id: 'my_number.improper_purpose',
    regime: 'my_number',
    description: 'My Number rules: possibly for an improper purpose',
    label: IMPROPER,
    unknownReason: IMPROPER_UNKNOWN,
    exemptWhenEncrypted: false,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: (facts) => isYes(facts.improperPurposeSuspected),
  },
  {
    id: 'my_number.persons_over_100',
    regime: 'my_number',
    description: 'My Number rules: more than 100 persons (lower bound of the count)',
    label: { en: 'more than 100 persons', ja: '100人超' },
    unknownReason: PERSONS_UNKNOWN,
    personsThreshold: 100,
    exemptWhenEncrypted: false,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: morePersonsThan(100),
  },
  // GDPR
  {
    id: 'gdpr.eu_persons',
    regime: 'gdpr',
    description:
      'Persons in the EU may be affected (yes, or not yet known): 72 hours to the supervisory authority',
    label: {
      en: 'persons in the EU may be affected: 72 hours to notify the supervisory authority (Art. 33)',
      ja: 'EU域内の本人が含まれる可能性: 72時間以内に監督機関へ通知（第33条）',
    },
    unknownReason:
      'whether persons in the EU are affected is not yet known: 72 hours to notify the supervisory authority if they are (Art. 33)',
    exemptWhenEncrypted: false,
    whenMet: 'possibly',
    whenUnknown: 'possibly',
    test: (facts) => isYes(facts.euPersonsPossiblyAffected),
  },
  // The contract
  {
    id: 'contract.processor_notifies_client',
    regime: 'processor_duty',
    description: 'Art. 16(1): the contractor reports the leak to the client promptly (always)',
    label: { en: 'the contractor reports to the client promptly', ja: '受託者は委託元へ速やかに報告' },
    exemptWhenEncrypted: false,
    whenMet: 'yes',
    whenUnknown: 'no',
    test: always,
  },
];
