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

/**
 * The consumer of `intake.case.events.v1`: decodes, and hands each event the correspondence cares about
 * to its rule (inside the consumer's inbox transaction). Other event types are skipped; a type this build
 * does not know is skipped too (a newer intake may publish more).
 */
export async function handleIntakeEvent(
  correspondence: Correspondence,
  envelope: Envelope,
  manager: EntityManager,
): Promise<void> {
  const decoded = decodeForCase(envelope);
  if (!decoded) return;
  const { origin, event } = decoded;
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
      return;
  }
}

/** The consumer of `timeline.clock.events.v1`: every clock event becomes one alert to the responsible person. */
export async function handleClockEvent(
  correspondence: Correspondence,
  envelope: Envelope,
  manager: EntityManager,
): Promise<void> {
  const decoded = decodeForCase(envelope);
  if (!decoded) return;
  const { origin, event } = decoded;
  switch (event.type) {
    case 'DeadlineApproaching':
      return correspondence.deadline(manager, origin, 'approaching', event.data);
    case 'DeadlineMissed':
      return correspondence.deadline(manager, origin, 'missed', event.data);
    default:
      return;
  }
}
