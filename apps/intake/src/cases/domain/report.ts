import type {
  IncidentReportedJson,
  ReportAmendedJson,
  ReportItemJson,
  SealedTextJson,
} from '#libs/contracts';
import { IllegalStateError, ValidationError } from '#libs/event-store';
import { type AssessmentContext, assess, assessmentEventData, assessmentSignature } from './assessment.js';
import {
  type AmendReport,
  type CaseEvent,
  type CaseRecord,
  type CaseState,
  CONTRACTOR_ROLES,
  type ReportIncident,
} from './case.model.js';
import { requireOpenCase, requireRole } from './case-errors.js';
import {
  applyAmendment,
  CIRCUMSTANCE_PARTS,
  type CountInput,
  factsFromReport,
  normaliseDataKinds,
  optionalSealed,
  PLACE_PARTS,
  type ReportFacts,
  requireSealed,
  toCountJson,
  toTriStateJson,
  validateOccurrence,
} from './facts.js';

/** ReportIncident → IncidentReported, then the first RegulatoryAssessmentMade. */
export function decideReport(command: ReportIncident, state: CaseState): CaseEvent[] {
  if (state.status !== 'none') {
    throw new IllegalStateError(`case ${command.data.caseId} has already been reported`, {
      code: 'case.already_reported',
      details: { field: 'caseId' },
    });
  }
  const { data, metadata } = command;
  if (Number.isNaN(data.discoveredAt.getTime()) || data.discoveredAt.getTime() > metadata.now.getTime()) {
    throw new ValidationError('discoveredAt lies in the future', {
      details: { field: 'discoveredAt', problem: 'must not be in the future' },
    });
  }
  if (data.occurredAt) validateOccurrence(data.occurredAt, data.discoveredAt, metadata.now);
  const place = sealedParts(data.place ?? {}, PLACE_PARTS, 'place');
  const circumstances = sealedParts(data.circumstances ?? {}, CIRCUMSTANCE_PARTS, 'circumstances');
  // Art. 16(1): a report says at least what leaked; everything else may follow in amendments.
  const description = requireSealed(data.description, 'description');
  const measuresTaken = optionalSealed(data.measuresTaken, 'measuresTaken');
  const reported: IncidentReportedJson = {
    contractId: data.contractId,
    caseNumber: data.caseNumber,
    content: {
      description,
      dataKinds: normaliseDataKinds(data.dataKinds),
    },
    quantity: {
      persons: toCountJson(data.persons, 'persons'),
      records: toCountJson(data.records, 'records'),
    },
    ...(Object.keys(place).length ? { place } : {}),
    ...(Object.keys(circumstances).length ? { circumstances } : {}),
    discoveredAt: data.discoveredAt.toISOString(),
    ...(data.occurredAt ? { occurredAt: data.occurredAt.toISOString() } : {}),
    ...(data.encrypted ? { encrypted: toTriStateJson(data.encrypted) } : {}),
    ...(data.improperPurposeSuspected
      ? { improperPurposeSuspected: toTriStateJson(data.improperPurposeSuspected) }
      : {}),
    ...(data.euPersonsPossiblyAffected
      ? { euPersonsPossiblyAffected: toTriStateJson(data.euPersonsPossiblyAffected) }
      : {}),
    ...(measuresTaken ? { measuresTaken } : {}),
    reporter: {
      userId: metadata.actor.id,
      ...(metadata.actor.role ? { role: metadata.actor.role } : {}),
    },
    reportedAt: metadata.now.toISOString(),
  };
  return [
    { type: 'IncidentReported', data: reported },
    ...assessmentIfChanged(factsFromReport(reported), data.assessmentContext, undefined),
  ];
}

/**
 * AmendReport → ReportAmended with only what changed (nothing when nothing did), then a new
 * RegulatoryAssessmentMade when the outcome differs from the last one (a threshold crossed, a category
 * added, the client's kind now known).
 */
export function decideAmend(command: AmendReport, state: CaseState): CaseEvent[] {
  const record = requireOpenCase(state);
  requireRole(command.metadata, CONTRACTOR_ROLES, 'amend the report');
  const { assessmentContext, ...amendment } = command.data;
  if (Object.values(amendment).every((value) => value === undefined)) {
    throw new ValidationError('the amendment changes nothing', {
      code: 'report.amendment_empty',
      details: { field: 'amendment', problem: 'give at least one item of the report' },
    });
  }
  const amended = amendmentEvent(command, record.facts);
  const facts = amended ? applyAmendment(record.facts, amended) : record.facts;
  const events: CaseEvent[] = amended ? [{ type: 'ReportAmended', data: amended }] : [];
  return [...events, ...assessmentIfChanged(facts, assessmentContext, record)];
}

function assessmentIfChanged(
  facts: ReportFacts,
  context: AssessmentContext,
  record: CaseRecord | undefined,
): CaseEvent[] {
  const previous = record?.assessment;
  const data = assessmentEventData(assess(facts, context), context, previous);
  if (previous && assessmentSignature(previous) === assessmentSignature(data)) return [];
  return [{ type: 'RegulatoryAssessmentMade', data }];
}

/** The ReportAmended data for what differs from the current facts, or undefined when nothing does. */
function amendmentEvent(command: AmendReport, current: ReportFacts): ReportAmendedJson | undefined {
  const { data, metadata } = command;
  const changed: ReportItemJson[] = [];
  const event: ReportAmendedJson = {};

  const description = optionalSealed(data.description, 'description');
  if (description) changed.push('REPORT_ITEM_DESCRIPTION');
  const dataKinds = data.dataKinds && normaliseDataKinds(data.dataKinds);
  const kindsChanged = dataKinds !== undefined && !sameKinds(dataKinds, current.dataKinds);
  if (kindsChanged) changed.push('REPORT_ITEM_DATA_KINDS');
  if (description || kindsChanged) {
    event.content = {
      ...(description ? { description } : {}),
      ...(kindsChanged ? { dataKinds: { values: dataKinds } } : {}),
    };
  }

  const persons = changedCount(data.persons, current.persons, 'persons');
  const records = changedCount(data.records, current.records, 'records');
  if (persons) changed.push('REPORT_ITEM_PERSONS');
  if (records) changed.push('REPORT_ITEM_RECORDS');
  if (persons || records)
    event.quantity = { ...(persons ? { persons } : {}), ...(records ? { records } : {}) };

  const place = sealedParts(data.place ?? {}, PLACE_PARTS, 'place');
  for (const part of PLACE_PARTS) if (place[part]) changed.push(PLACE_ITEM[part]);
  if (Object.keys(place).length) event.place = place;
  const circumstances = sealedParts(data.circumstances ?? {}, CIRCUMSTANCE_PARTS, 'circumstances');
  for (const part of CIRCUMSTANCE_PARTS) if (circumstances[part]) changed.push(CIRCUMSTANCE_ITEM[part]);
  if (Object.keys(circumstances).length) event.circumstances = circumstances;

  if (data.occurredAt) {
    validateOccurrence(data.occurredAt, new Date(current.discoveredAt), metadata.now);
    const occurredAt = data.occurredAt.toISOString();
    if (!current.occurredAt || new Date(current.occurredAt).getTime() !== data.occurredAt.getTime()) {
      changed.push('REPORT_ITEM_OCCURRED_AT');
      event.occurredAt = occurredAt;
    }
  }

  for (const [field, item] of TRI_STATE_ITEMS) {
    const value = data[field];
    if (value !== undefined && value !== current[field]) {
      changed.push(item);
      event[field] = toTriStateJson(value);
    }
  }

  const measuresTaken = optionalSealed(data.measuresTaken, 'measuresTaken');
  if (measuresTaken) {
    changed.push('REPORT_ITEM_MEASURES_TAKEN');
    event.measuresTaken = measuresTaken;
  }

  if (changed.length === 0) return undefined;
  return { changedItems: changed, ...event, amendedAt: metadata.now.toISOString() };
}

const PLACE_ITEM = {
  site: 'REPORT_ITEM_PLACE_SITE',
  system: 'REPORT_ITEM_PLACE_SYSTEM',
  medium: 'REPORT_ITEM_PLACE_MEDIUM',
  route: 'REPORT_ITEM_PLACE_ROUTE',
} as const;

const CIRCUMSTANCE_ITEM = {
  whatHappened: 'REPORT_ITEM_WHAT_HAPPENED',
  howDiscovered: 'REPORT_ITEM_HOW_DISCOVERED',
} as const;

const TRI_STATE_ITEMS = [
  ['encrypted', 'REPORT_ITEM_ENCRYPTED'],
  ['improperPurposeSuspected', 'REPORT_ITEM_IMPROPER_PURPOSE_SUSPECTED'],
  ['euPersonsPossiblyAffected', 'REPORT_ITEM_EU_PERSONS_POSSIBLY_AFFECTED'],
] as const satisfies ReadonlyArray<readonly [keyof ReportFacts & keyof AmendReport['data'], ReportItemJson]>;

function changedCount(next: CountInput | undefined, current: CountInput, field: string) {
  if (next === undefined) return undefined;
  const json = toCountJson(next, field);
  const same =
    next.precision === current.precision &&
    (next.precision === 'unknown' || (current.precision !== 'unknown' && next.value === current.value));
  return same ? undefined : json;
}

function sameKinds(next: readonly string[], current: readonly string[]): boolean {
  return next.length === current.length && next.every((kind) => current.includes(kind));
}

/** Keeps the parts that are given, each a non-empty sealed text. */
function sealedParts<K extends string>(
  parts: Partial<Record<K, SealedTextJson>>,
  names: readonly K[],
  field: string,
): Partial<Record<K, SealedTextJson>> {
  const sealed: Partial<Record<K, SealedTextJson>> = {};
  for (const name of names) {
    const text = optionalSealed(parts[name], `${field}.${name}`);
    if (text) sealed[name] = text;
  }
  return sealed;
}
