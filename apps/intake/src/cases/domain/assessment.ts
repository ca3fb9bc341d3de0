import type { RegimeJson, RegulatoryAssessmentMadeJson } from '#libs/contracts';
import {
  type Applicability,
  type AssessableFacts,
  type AssessmentContext,
  type AssessmentRule,
  personsLowerBound,
  REGIMES,
  type RegimeId,
  RULES,
} from './assessment-rules.js';
import { type CountInput, toCountJson } from './facts.js';

/**
 * The regulatory assessment: a pure function of the facts and the context, driven by the rules table in
 * assessment-rules.ts. Per regime: applies = min(scope, strongest contribution of its rules), where a rule
 * contributes `whenMet` when it holds (nothing when encryption exempts it) and `whenUnknown` when its
 * fact is not known yet.
 */

export type { Applicability, AssessmentContext, ClientKind, RegimeId } from './assessment-rules.js';

export interface RuleFinding {
  id: string;
  status: 'met' | 'unknown' | 'exempt';
  /** one line, English */
  reason: string;
}

export interface RegimeResult {
  regime: RegimeId;
  applies: Applicability;
  /** the rules behind the result; rules that do not hold are left out */
  rules: RuleFinding[];
}

export interface ThresholdResult {
  ruleId: string;
  /** the rule holds for MORE than this many persons */
  persons: number;
  status: 'crossed' | 'not_crossed' | 'unknown';
  /** the count compared (its lower bound); absent when unknown */
  personsCounted?: CountInput;
}

export interface Assessment {
  regimes: RegimeResult[];
  thresholds: ThresholdResult[];
  summaryJa: string;
  summaryEn: string;
}

const RANK: Record<Applicability, number> = { no: 0, possibly: 1, yes: 2 };
const stronger = (a: Applicability, b: Applicability) => (RANK[a] >= RANK[b] ? a : b);
const weaker = (a: Applicability, b: Applicability) => (RANK[a] <= RANK[b] ? a : b);

export function assess(
  facts: AssessableFacts,
  context: AssessmentContext,
  rules: readonly AssessmentRule[] = RULES,
): Assessment {
  const regimes = REGIMES.map((definition) => {
    const scope = definition.scope(facts, context);
    const findings: RuleFinding[] = [];
    let contribution: Applicability = 'no';
    if (scope !== 'no') {
      for (const rule of rules.filter((candidate) => candidate.regime === definition.regime)) {
        const finding = evaluate(rule, facts, context);
        if (!finding) continue;
        findings.push(finding);
        contribution = stronger(contribution, contributionOf(rule, finding));
      }
    }
    return { regime: definition.regime, applies: weaker(scope, contribution), rules: findings };
  });
  const thresholds = thresholdsInScope(facts, context, rules);
  return { regimes, thresholds, ...summarise(regimes, facts, rules) };
}

function evaluate(
  rule: AssessmentRule,
  facts: AssessableFacts,
  context: AssessmentContext,
): RuleFinding | undefined {
  const verdict = rule.test(facts, context);
  if (verdict === 'not_met') return undefined;
  if (verdict === 'unknown') {
    return {
      id: rule.id,
      status: 'unknown',
      reason: rule.unknownReason ?? `${rule.label.en}: not yet known`,
    };
  }
  const reason =
    rule.personsThreshold === undefined ? rule.label.en : `${rule.label.en} (${countText(facts.persons)})`;
  if (rule.exemptWhenEncrypted && facts.encrypted === 'yes') {
    return { id: rule.id, status: 'exempt', reason: `${reason}: exempt, the data was encrypted` };
  }
  return { id: rule.id, status: 'met', reason };
}

function contributionOf(rule: AssessmentRule, finding: RuleFinding): Applicability {
  if (finding.status === 'met') return rule.whenMet;
  if (finding.status === 'unknown') return rule.whenUnknown;
  return 'no';
}

function thresholdsInScope(
  facts: AssessableFacts,
  context: AssessmentContext,
  rules: readonly AssessmentRule[],
): ThresholdResult[] {
  const lowerBound = personsLowerBound(facts.persons);
  return rules.flatMap((rule): ThresholdResult[] => {
    const persons = rule.personsThreshold;
    const definition = REGIMES.find((regime) => regime.regime === rule.regime);
    if (persons === undefined || !definition || definition.scope(facts, context) === 'no') return [];
    if (lowerBound === undefined) return [{ ruleId: rule.id, persons, status: 'unknown' }];
    return [
      {
        ruleId: rule.id,
        persons,
        status: lowerBound > persons ? 'crossed' : 'not_crossed',
        personsCounted: facts.persons,
      },
    ];
  });
}

// ---- the one-line summaries (the client's email) -----------------------------------------------------

/** The regimes that make the summary, in this order; the processor's duty is the email itself. */
const SUMMARISED: readonly RegimeId[] = ['appi_private_sector', 'appi_public_body', 'my_number', 'gdpr'];

function summarise(
  regimes: readonly RegimeResult[],
  facts: AssessableFacts,
  rules: readonly AssessmentRule[],
) {
  const en: string[] = [];
  const ja: string[] = [];
  for (const result of regimes) {
    if (!SUMMARISED.includes(result.regime) || result.applies === 'no') continue;
    const definition = REGIMES.find((regime) => regime.regime === result.regime);
    if (!definition) continue;
    const headline = definition.headline[result.applies];
    const grounds = result.rules
      .filter((finding) => finding.status === 'met')
      .map((finding) => rules.find((rule) => rule.id === finding.id))
      .filter((rule): rule is AssessmentRule => rule !== undefined && rule.whenMet === 'yes');
    en.push(
      grounds.length ? `${headline.en}: ${grounds.map((rule) => rule.label.en).join(', ')}` : headline.en,
    );
    ja.push(
      grounds.length ? `${headline.ja}: ${grounds.map((rule) => rule.label.ja).join('、')}` : headline.ja,
    );
  }
  if (en.length === 0) {
    en.push('No report to the PPC required on the facts known so far');
    ja.push('現時点の事実では個人情報保護委員会への報告は不要');
  }
  const personsUnknown = facts.persons.precision === 'unknown';
  return {
    summaryEn: `${en.join('; ')}${personsUnknown ? ' (number of persons not yet known)' : ''}`,
    summaryJa: `${ja.join('。')}${personsUnknown ? '（本人の数は未確定）' : ''}`,
  };
}

const numberFormat = new Intl.NumberFormat('en-US');

function countText(count: CountInput): string {
  if (count.precision === 'unknown') return 'number of persons not yet known';
  const value = numberFormat.format(count.value);
  if (count.precision === 'about') return `about ${value}`;
  if (count.precision === 'at_least') return `at least ${value}`;
  return `${value} persons`;
}

// ---- the event ---------------------------------------------------------------------------------------

export const regimeJson = (regime: RegimeId): RegimeJson =>
  `REGIME_${regime.toUpperCase() as Uppercase<RegimeId>}`;

/**
 * The assessment as the `RegulatoryAssessmentMade` event's data. `previous` is the last recorded
 * assessment (absent for the first): `changed` and `changedRegimes` compare with it.
 */
export function assessmentEventData(
  assessment: Assessment,
  context: AssessmentContext,
  previous: RegulatoryAssessmentMadeJson | undefined,
): RegulatoryAssessmentMadeJson {
  const regimes = assessment.regimes.map((result) => ({
    regime: regimeJson(result.regime),
    applies: `APPLICABILITY_${result.applies.toUpperCase() as Uppercase<Applicability>}` as const,
    rules: result.rules.map((finding) => ({
      ruleId: finding.id,
      status: `RULE_STATUS_${finding.status.toUpperCase() as Uppercase<RuleFinding['status']>}` as const,
      reason: finding.reason,
    })),
  }));
  const changedRegimes = previous
    ? regimes
        .filter(
          (now) => previous.regimes?.find((before) => before.regime === now.regime)?.applies !== now.applies,
        )
        .map((result) => result.regime)
    : [];
  const data: RegulatoryAssessmentMadeJson = {
    regimes,
    thresholds: assessment.thresholds.map((threshold) => ({
      ruleId: threshold.ruleId,
      persons: String(threshold.persons),
      status:
        `THRESHOLD_STATUS_${threshold.status.toUpperCase() as Uppercase<ThresholdResult['status']>}` as const,
      ...(threshold.personsCounted
        ? { personsCounted: toCountJson(threshold.personsCounted, 'persons') }
        : {}),
    })),
    clientKind:
      `CLIENT_KIND_${context.clientKind.toUpperCase() as Uppercase<AssessmentContext['clientKind']>}` as const,
    changed: previous !== undefined,
    changedRegimes,
    summaryJa: assessment.summaryJa,
    summaryEn: assessment.summaryEn,
  };
  return data;
}

/**
 * What makes two assessments "the same": per regime its applicability and its findings (rule id and
 * status), and each threshold's status. Reasons and summaries are left out (they quote counts, and a
 * count moving from about 800 to about 850 changes nothing); the client kind is left out (its effect
 * shows in the public-body regime).
 */
export function assessmentSignature(data: RegulatoryAssessmentMadeJson): string {
  const regimes = (data.regimes ?? []).map((regime) => ({
    regime: regime.regime,
    applies: regime.applies,
    rules: (regime.rules ?? []).map((rule) => `${rule.ruleId}:${rule.status}`).sort(),
  }));
  const thresholds = (data.thresholds ?? [])
    .map((threshold) => `${threshold.ruleId}:${threshold.status}`)
    .sort();
  return JSON.stringify({ regimes, thresholds });
}
