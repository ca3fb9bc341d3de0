import type { TriStateJson } from './gen/leakresponse/common/v1/common_pb.js';
import type { IncidentReportedJson, ReportAmendedJson } from './gen/leakresponse/intake/v1/events_pb.js';

const UNCHANGED: TriStateJson = 'TRI_STATE_UNSPECIFIED';

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
}

/**
 * The report's facts with an amendment applied, as `ReportAmended` defines it (proto/leakresponse/intake):
 * a present part replaces the previous one, an absent part (or TRI_STATE_UNSPECIFIED) keeps it. For readers
 * that keep "what is known now" of a case (publisher; client-notifier has the same fold). Texts stay sealed.
 */
export function applyReportAmendment(
  report: IncidentReportedJson,
  amended: ReportAmendedJson,
): IncidentReportedJson {
  const next: IncidentReportedJson = structuredClone(report);
  if (amended.content?.description) {
    next.content = { ...next.content, description: amended.content.description };
  }
  if (amended.content?.dataKinds) {
    next.content = { ...next.content, dataKinds: amended.content.dataKinds.values ?? [] };
  }
  if (amended.quantity?.persons) next.quantity = { ...next.quantity, persons: amended.quantity.persons };
  if (amended.quantity?.records) next.quantity = { ...next.quantity, records: amended.quantity.records };
  if (amended.place) next.place = { ...next.place, ...definedOnly(amended.place) };
  if (amended.circumstances) {
    next.circumstances = { ...next.circumstances, ...definedOnly(amended.circumstances) };
  }
  if (amended.occurredAt) next.occurredAt = amended.occurredAt;
  for (const key of ['encrypted', 'improperPurposeSuspected', 'euPersonsPossiblyAffected'] as const) {
    const value = amended[key];
    if (value !== undefined && value !== UNCHANGED) next[key] = value;
  }
  if (amended.measuresTaken) next.measuresTaken = amended.measuresTaken;
  return next;
}
