import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { EntityManager } from 'typeorm';
import { type DecodedEventJson, decodeEventJson, type Envelope, eventTypeOfFullName } from '#libs/contracts';
import { PermanentFailure } from '#libs/messaging';
import type { Correspondence, EventOrigin } from './correspondence.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The envelope's facts every rule needs; an event without a case id has no place in the correspondence. */
function originOf(envelope: Envelope): EventOrigin | undefined {
  if (!UUID.test(envelope.caseId)) return undefined;
  if (!envelope.occurredAt) throw new PermanentFailure(`event ${envelope.eventId} has no occurred_at`);
  return {
    eventId: envelope.eventId,
    caseId: envelope.caseId.toLowerCase(),
    occurredAt: timestampDate(envelope.occurredAt),
    correlationId: envelope.correlationId || undefined,
  };
}

/** The event decoded, with its origin; undefined for a type this build does not know or an event outside a case. */
function decodeForCase(envelope: Envelope): { origin: EventOrigin; event: DecodedEventJson } | undefined {
  if (eventTypeOfFullName(envelope.type) === undefined) return undefined;
  const origin = originOf(envelope);
  return origin && { origin, event: decodeEventJson(envelope) };
}

/** The rules of one topic: an event the correspondence cares about goes to its rule, others are skipped. */
type Rules = (
  correspondence: Correspondence,
  manager: EntityManager,
  origin: EventOrigin,
  event: DecodedEventJson,
) => Promise<void> | undefined;

/** A consumer's handler: decodes, and hands the event to the topic's rules (inside the inbox transaction). */
const caseEventHandler =
  (rules: Rules) =>
  async (correspondence: Correspondence, envelope: Envelope, manager: EntityManager): Promise<void> => {
    const decoded = decodeForCase(envelope);
    if (decoded) await rules(correspondence, manager, decoded.origin, decoded.event);
  };

/**
 * The consumer of `intake.case.events.v1`: each event the correspondence cares about goes to its rule.
 * Other event types are skipped; a type this build does not know is skipped too (a newer intake may
 * publish more).
 */
export const handleIntakeEvent = caseEventHandler((correspondence, manager, origin, event) => {
  switch (event.type) {
    case 'IncidentReported':
      return correspondence.incidentReported(manager, origin, event.data);
    case 'RegulatoryAssessmentMade':
      return correspondence.assessmentMade(manager, origin, event.data);
    case 'ReportAmended':
      return correspondence.reportAmended(manager, origin, event.data);
    case 'InstructionIssued':
      return correspondence.instructionIssued(manager, origin, event.data);
    case 'InstructionCompleted':
      return correspondence.instructionCompleted(manager, origin, event.data);
    case 'CauseIdentified':
      return correspondence.causeIdentified(manager, origin, event.data);
    case 'CaseClosed':
      return correspondence.caseClosed(manager, origin, event.data);
    default:
      return undefined;
  }
});

/**
 * The consumer of `publisher.statement.events.v1`: a revision submitted for consultation is e-mailed to the
 * client's contacts. The publisher's other events, and types this build does not know, are skipped.
 */
export const handlePublisherEvent = caseEventHandler((correspondence, manager, origin, event) =>
  event.type === 'ConsultationRequested'
    ? correspondence.consultationRequested(manager, origin, event.data)
    : undefined,
);

/** The consumer of `timeline.clock.events.v1`: every clock event becomes one alert to the responsible person. */
export const handleClockEvent = caseEventHandler((correspondence, manager, origin, event) => {
  switch (event.type) {
    case 'DeadlineApproaching':
      return correspondence.deadline(manager, origin, 'approaching', event.data);
    case 'DeadlineMissed':
      return correspondence.deadline(manager, origin, 'missed', event.data);
    default:
      return undefined;
  }
});
