import type { Envelope } from './gen/leakresponse/envelope/v1/envelope_pb.js';

/** Content type of a Kafka message value that is a protobuf-encoded `Envelope`. */
export const ENVELOPE_CONTENT_TYPE = 'application/x-protobuf';

/** Names of the Kafka headers every event message carries (copies of envelope fields, for routing without decoding). */
export const EVENT_HEADERS = {
  eventId: 'event-id',
  /** the fully-qualified event type, as in `Envelope.type` */
  eventType: 'event-type',
  contentType: 'content-type',
  schemaVersion: 'schema-version',
} as const;

/** The headers of the Kafka message that carries `envelope`. */
export function envelopeHeaders(envelope: Envelope): Record<string, string> {
  return {
    [EVENT_HEADERS.eventId]: envelope.eventId,
    [EVENT_HEADERS.eventType]: envelope.type,
    [EVENT_HEADERS.contentType]: ENVELOPE_CONTENT_TYPE,
    [EVENT_HEADERS.schemaVersion]: String(envelope.schemaVersion),
  };
}

/**
 * The Kafka message key of `envelope`: its case id, so that all events of a case share a partition and
 * stay in order; the stream id for events that belong to no case.
 */
export function partitionKeyOf(envelope: Envelope): string {
  return envelope.caseId !== '' ? envelope.caseId : envelope.streamId;
}
