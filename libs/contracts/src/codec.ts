import {
  create,
  fromBinary,
  fromJson,
  type JsonValue,
  type MessageInitShape,
  toBinary,
  toJson,
} from '@bufbuild/protobuf';
import { type Timestamp, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { MalformedEventError, UnknownEventTypeError } from './errors.js';
import { ActorKind, type Envelope, EnvelopeSchema } from './gen/leakresponse/envelope/v1/envelope_pb.js';
import {
  EVENT_REGISTRY,
  type EventData,
  type EventJson,
  type EventTypeName,
  eventTypeOfFullName,
  fullTypeNameOf,
  isEventTypeName,
} from './registry.js';

/** The fields of an envelope as accepted by `encodeEnvelope` (an `Envelope` message is accepted too). */
export type EnvelopeInit = MessageInitShape<typeof EnvelopeSchema>;

/** A decoded event: `{ type, data }` with `data` the typed message, discriminated on `type`. */
export type DecodedEvent = { [K in EventTypeName]: { type: K; data: EventData<K> } }[EventTypeName];

/** A decoded event with `data` in protobuf JSON form (the shape the event store keeps). */
export type DecodedEventJson = { [K in EventTypeName]: { type: K; data: EventJson<K> } }[EventTypeName];

/**
 * The shape of an event-store `RecordedEvent` that `envelopeFromRecorded` needs. Declared here so that
 * contracts does not depend on the event store; `RecordedEvent` satisfies it structurally.
 */
export interface RecordedEventLike {
  eventId: string;
  streamId: string;
  streamVersion: number;
  /** short event type name, e.g. `IncidentReported` */
  type: string;
  /** the event's data in protobuf JSON form */
  data: unknown;
  metadata: {
    caseId?: string;
    /** RFC 3339 */
    occurredAt: string;
    actor: { id: string; kind: 'user' | 'token' | 'system'; role?: string };
    correlationId?: string;
    causationId?: string;
    schemaVersion: number;
  };
  /** RFC 3339 */
  recordedAt: string;
  transactionId?: string;
  position?: string;
}

const ACTOR_KINDS: Readonly<Record<RecordedEventLike['metadata']['actor']['kind'], ActorKind>> = {
  user: ActorKind.USER,
  token: ActorKind.TOKEN,
  system: ActorKind.SYSTEM,
};

/**
 * Encodes an event's data, given in protobuf JSON form (`toJson(Schema, message)`, what the event store
 * keeps), to the binary payload of an envelope. Unknown JSON keys are rejected rather than dropped, so an
 * older build never publishes a newer event with fields silently missing.
 *
 * @throws UnknownEventTypeError when `type` is not registered
 * @throws MalformedEventError when `dataJson` is not valid JSON for the type's message
 */
export function encodeEvent<K extends EventTypeName>(type: K, dataJson: EventJson<K>): Uint8Array {
  return encodeEventData(type, dataJson);
}

function encodeEventData(type: string, dataJson: unknown): Uint8Array {
  if (!isEventTypeName(type)) {
    throw new UnknownEventTypeError(type);
  }
  const schema = EVENT_REGISTRY[type].schema;
  try {
    return toBinary(schema, fromJson(schema, dataJson as JsonValue));
  } catch (error) {
    throw new MalformedEventError(type, `data is not valid protobuf JSON: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * Serialises an envelope for the wire after checking that its required fields are set.
 *
 * @throws MalformedEventError naming every missing or invalid field
 */
export function encodeEnvelope(fields: EnvelopeInit): Uint8Array {
  const envelope = create(EnvelopeSchema, fields);
  assertValidEnvelope(envelope);
  return toBinary(EnvelopeSchema, envelope);
}

/**
 * Parses an envelope from the wire and checks its required fields. It does not look at the payload:
 * an envelope of an event type this build does not know still decodes (see `decodeEvent`).
 *
 * @throws MalformedEventError when the bytes are not an Envelope or a required field is missing
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let envelope: Envelope;
  try {
    envelope = fromBinary(EnvelopeSchema, bytes);
  } catch (error) {
    throw new MalformedEventError('envelope', `not a protobuf Envelope: ${messageOf(error)}`, {
      cause: error,
    });
  }
  assertValidEnvelope(envelope);
  return envelope;
}

/**
 * Decodes the payload of an envelope into the typed message named by `envelope.type`.
 *
 * @throws UnknownEventTypeError when `envelope.type` is not a registered event
 * @throws MalformedEventError when the payload is not a valid message of that type
 */
export function decodeEvent(envelope: Envelope): DecodedEvent {
  const type = eventTypeOfFullName(envelope.type);
  if (type === undefined) {
    throw new UnknownEventTypeError(envelope.type);
  }
  try {
    const data = fromBinary(EVENT_REGISTRY[type].schema, envelope.payload);
    return { type, data } as DecodedEvent;
  } catch (error) {
    throw new MalformedEventError(type, `payload is not a valid ${envelope.type}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * Like `decodeEvent`, with the data in protobuf JSON form, as a consumer would store it in its own
 * event store or projection.
 */
export function decodeEventJson(envelope: Envelope): DecodedEventJson {
  const { type, data } = decodeEvent(envelope);
  const json = toJson(EVENT_REGISTRY[type].schema, data);
  return { type, data: json } as DecodedEventJson;
}

/**
 * Builds the wire envelope of an event read from an event store: resolves the short type name to its
 * fully-qualified name, encodes the JSON data to the binary payload and carries the metadata over.
 *
 * @throws UnknownEventTypeError when `recorded.type` is not registered
 * @throws MalformedEventError when the data, a timestamp or a required field is invalid
 */
export function envelopeFromRecorded(recorded: RecordedEventLike): Envelope {
  if (!isEventTypeName(recorded.type)) {
    throw new UnknownEventTypeError(recorded.type);
  }
  const { metadata } = recorded;
  const envelope = create(EnvelopeSchema, {
    eventId: recorded.eventId,
    type: fullTypeNameOf(recorded.type),
    caseId: metadata.caseId ?? '',
    streamId: recorded.streamId,
    streamVersion: recorded.streamVersion,
    occurredAt: parseTimestamp(metadata.occurredAt, 'occurredAt'),
    recordedAt: parseTimestamp(recorded.recordedAt, 'recordedAt'),
    actor: {
      id: metadata.actor.id,
      kind: ACTOR_KINDS[metadata.actor.kind] ?? ActorKind.UNSPECIFIED,
      role: metadata.actor.role ?? '',
    },
    correlationId: metadata.correlationId ?? '',
    causationId: metadata.causationId ?? '',
    schemaVersion: metadata.schemaVersion,
    payload: encodeEventData(recorded.type, recorded.data),
    transactionId: recorded.transactionId ?? '',
    globalPosition: recorded.position ?? '',
  });
  assertValidEnvelope(envelope);
  return envelope;
}

function parseTimestamp(value: string, field: string): Timestamp {
  try {
    return fromJson(TimestampSchema, value);
  } catch (error) {
    throw new MalformedEventError('recorded event', `${field} is not an RFC 3339 timestamp: '${value}'`, {
      cause: error,
    });
  }
}

/** Checks the fields every envelope must have; throws one error listing every problem found. */
function assertValidEnvelope(envelope: Envelope): void {
  const problems: string[] = [];
  if (envelope.eventId === '') problems.push('event_id is empty');
  if (envelope.type === '') problems.push('type is empty');
  if (envelope.streamId === '') problems.push('stream_id is empty');
  if (!Number.isSafeInteger(envelope.streamVersion) || envelope.streamVersion < 1) {
    problems.push(`stream_version must be a positive integer, got ${envelope.streamVersion}`);
  }
  if (envelope.occurredAt === undefined) problems.push('occurred_at is missing');
  if (envelope.recordedAt === undefined) problems.push('recorded_at is missing');
  if (envelope.actor === undefined) {
    problems.push('actor is missing');
  } else {
    if (envelope.actor.id === '') problems.push('actor.id is empty');
    if (envelope.actor.kind === ActorKind.UNSPECIFIED) problems.push('actor.kind is unspecified');
  }
  if (envelope.schemaVersion < 1) problems.push('schema_version must be at least 1');
  if (problems.length > 0) {
    throw new MalformedEventError('envelope', problems.join('; '));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
