import type {
  CountJson,
  DataKindJson,
  IncidentReportedJson,
  ReportAmendedJson,
  SealedTextJson,
  TriStateJson,
} from '#libs/contracts';
import { ValidationError } from '#libs/event-store';

/**
 * The facts of a report (Art. 16(1): content, quantity, place, circumstances, plus the facts the
 * regulatory assessment needs), as the case knows them at one moment. Free text is sealed with the case
 * key before it reaches the domain (`SealedTextJson`): the decider never sees clear text.
 */

/** A yes/no fact that may not be known yet. */
export type TriState = 'yes' | 'no' | 'unknown';

/** A number that may be exact, estimated or not yet known. */
export type CountInput =
  | { precision: 'exact' | 'about' | 'at_least'; value: number }
  | { precision: 'unknown' };

/** Counts above this are refused as absurd (more than the world's population). */
export const MAX_COUNT = 10_000_000_000;

export interface LeakPlaceFacts {
  site?: SealedTextJson;
  system?: SealedTextJson;
  medium?: SealedTextJson;
  route?: SealedTextJson;
}

export interface LeakCircumstancesFacts {
  whatHappened?: SealedTextJson;
  howDiscovered?: SealedTextJson;
}

export interface ReportFacts {
  description?: SealedTextJson;
  /** without duplicates; empty when not yet known */
  dataKinds: readonly DataKindJson[];
  persons: CountInput;
  records: CountInput;
  place: LeakPlaceFacts;
  circumstances: LeakCircumstancesFacts;
  /** RFC 3339 */
  discoveredAt: string;
  /** RFC 3339; absent when not yet known */
  occurredAt?: string;
  encrypted: TriState;
  improperPurposeSuspected: TriState;
  euPersonsPossiblyAffected: TriState;
  measuresTaken?: SealedTextJson;
}

/** One version of the facts and the instant from which the case knew them (the report's or amendment's time). */
export interface FactsVersion {
  knownFrom: string;
  facts: ReportFacts;
}

export const PLACE_PARTS = ['site', 'system', 'medium', 'route'] as const;
export const CIRCUMSTANCE_PARTS = ['whatHappened', 'howDiscovered'] as const;

// ---- commands' values → protobuf JSON ------------------------------------------------------------

const PRECISION_JSON = {
  exact: 'COUNT_PRECISION_EXACT',
  about: 'COUNT_PRECISION_ESTIMATED_ABOUT',
  at_least: 'COUNT_PRECISION_AT_LEAST',
} as const;

/** Validates a count and writes it in protobuf JSON form (uint64 as a decimal string). */
export function toCountJson(count: CountInput, field: string): CountJson {
  if (count.precision === 'unknown') return { precision: 'COUNT_PRECISION_UNKNOWN' };
  if (!Number.isSafeInteger(count.value) || count.value < 0 || count.value > MAX_COUNT) {
    throw new ValidationError(`${field} count is out of range`, {
      details: { field: `${field}.value`, problem: `must be a whole number from 0 to ${MAX_COUNT}` },
    });
  }
  return { precision: PRECISION_JSON[count.precision], value: String(count.value) };
}

export function toTriStateJson(value: TriState): TriStateJson {
  return `TRI_STATE_${value.toUpperCase() as Uppercase<TriState>}`;
}

/** Refuses a missing or empty sealed text (the HTTP layer seals; an empty seal is a programming error). */
export function requireSealed(text: SealedTextJson | undefined, field: string): SealedTextJson {
  if (!isSealed(text)) {
    throw new ValidationError(`${field} is required`, {
      details: { field, problem: 'must be a sealed text with a ciphertext and a key id' },
    });
  }
  return text;
}

/** Refuses a sealed text that is present but empty. */
export function optionalSealed(text: SealedTextJson | undefined, field: string): SealedTextJson | undefined {
  return text === undefined ? undefined : requireSealed(text, field);
}

function isSealed(text: SealedTextJson | undefined): text is SealedTextJson {
  return Boolean(text?.ciphertext && text.keyId);
}

/** Removes duplicates and refuses `DATA_KIND_UNSPECIFIED`. */
export function normaliseDataKinds(kinds: readonly DataKindJson[]): DataKindJson[] {
  if (kinds.includes('DATA_KIND_UNSPECIFIED')) {
    throw new ValidationError('dataKinds contains an unspecified kind', {
      details: { field: 'dataKinds', problem: 'every kind must be one of the known kinds' },
    });
  }
  return [...new Set(kinds)];
}

/** Occurrence may be unknown; when known it lies neither in the future nor after the discovery. */
export function validateOccurrence(occurredAt: Date, discoveredAt: Date, now: Date): void {
  if (Number.isNaN(occurredAt.getTime()) || occurredAt.getTime() > now.getTime()) {
    throw new ValidationError('occurredAt lies in the future', {
      details: { field: 'occurredAt', problem: 'must be a valid time not in the future' },
    });
  }
  if (occurredAt.getTime() > discoveredAt.getTime()) {
    throw new ValidationError('occurredAt is after discoveredAt', {
      details: { field: 'occurredAt', problem: 'must not be after discoveredAt' },
    });
  }
}

// ---- protobuf JSON → facts (what evolve folds) ---------------------------------------------------

const PRECISION_OF_JSON = {
  COUNT_PRECISION_EXACT: 'exact',
  COUNT_PRECISION_ESTIMATED_ABOUT: 'about',
  COUNT_PRECISION_AT_LEAST: 'at_least',
} as const;

export function countFromJson(count: CountJson | undefined): CountInput {
  const precision = count?.precision;
  if (precision === undefined || !(precision in PRECISION_OF_JSON)) return { precision: 'unknown' };
  return {
    precision: PRECISION_OF_JSON[precision as keyof typeof PRECISION_OF_JSON],
    value: Number(count?.value ?? 0),
  };
}

/** `UNSPECIFIED` (or absent) reads as unknown in a report. */
function triStateFromJson(value: TriStateJson | undefined): TriState {
  if (value === 'TRI_STATE_YES') return 'yes';
  if (value === 'TRI_STATE_NO') return 'no';
  return 'unknown';
}

/** `UNSPECIFIED` (or absent) means "unchanged" in an amendment. */
function amendedTriState(value: TriStateJson | undefined, previous: TriState): TriState {
  return value === undefined || value === 'TRI_STATE_UNSPECIFIED' ? previous : triStateFromJson(value);
}

export function factsFromReport(data: IncidentReportedJson): ReportFacts {
  return withoutUndefined({
    description: data.content?.description,
    dataKinds: data.content?.dataKinds ?? [],
    persons: countFromJson(data.quantity?.persons),
    records: countFromJson(data.quantity?.records),
    place: withoutUndefined({ ...data.place }),
    circumstances: withoutUndefined({ ...data.circumstances }),
    discoveredAt: data.discoveredAt ?? '',
    occurredAt: data.occurredAt,
    encrypted: triStateFromJson(data.encrypted),
    improperPurposeSuspected: triStateFromJson(data.improperPurposeSuspected),
    euPersonsPossiblyAffected: triStateFromJson(data.euPersonsPossiblyAffected),
    measuresTaken: data.measuresTaken,
  });
}

/** The facts after an amendment: what the amendment carries replaces, everything else stays. */
export function applyAmendment(facts: ReportFacts, data: ReportAmendedJson): ReportFacts {
  return withoutUndefined({
    ...facts,
    description: data.content?.description ?? facts.description,
    dataKinds: data.content?.dataKinds ? (data.content.dataKinds.values ?? []) : facts.dataKinds,
    persons: data.quantity?.persons ? countFromJson(data.quantity.persons) : facts.persons,
    records: data.quantity?.records ? countFromJson(data.quantity.records) : facts.records,
    place: withoutUndefined({ ...facts.place, ...withoutUndefined({ ...data.place }) }),
    circumstances: withoutUndefined({
      ...facts.circumstances,
      ...withoutUndefined({ ...data.circumstances }),
    }),
    occurredAt: data.occurredAt ?? facts.occurredAt,
    encrypted: amendedTriState(data.encrypted, facts.encrypted),
    improperPurposeSuspected: amendedTriState(data.improperPurposeSuspected, facts.improperPurposeSuspected),
    euPersonsPossiblyAffected: amendedTriState(
      data.euPersonsPossiblyAffected,
      facts.euPersonsPossiblyAffected,
    ),
    measuresTaken: data.measuresTaken ?? facts.measuresTaken,
  });
}

/**
 * The facts as the case knew them at `instant`: the last version known at or before it, or `undefined`
 * before the report. Amendments never overwrite, so this answers "what did we know when".
 */
export function factsKnownAt(
  history: readonly FactsVersion[],
  instant: Date | string,
): ReportFacts | undefined {
  const at = new Date(instant).getTime();
  let known: ReportFacts | undefined;
  for (const version of history) {
    if (new Date(version.knownFrom).getTime() > at) break;
    known = version.facts;
  }
  return known;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
