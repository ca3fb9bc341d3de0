import { create, equals, toBinary, toJson } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '#libs/event-store';
import {
  decodeEnvelope,
  decodeEvent,
  decodeEventJson,
  type EnvelopeInit,
  encodeEnvelope,
  encodeEvent,
  envelopeFromRecorded,
} from './codec.js';
import { MalformedEventError, UnknownEventTypeError } from './errors.js';
import { TriState } from './gen/leakresponse/common/v1/common_pb.js';
import { ActorKind, ActorSchema, EnvelopeSchema } from './gen/leakresponse/envelope/v1/envelope_pb.js';
import {
  CountPrecision,
  DataKind,
  type IncidentReported,
  type IncidentReportedJson,
  IncidentReportedSchema,
} from './gen/leakresponse/intake/v1/events_pb.js';
import { envelopeHeaders, partitionKeyOf } from './headers.js';
import type { EventJson } from './registry.js';

const CASE_ID = '0190a5d2-7f3e-7c4a-9b1e-2f5d8c3a1b00';

const sealed = (text: string) => ({
  ciphertext: new TextEncoder().encode(`sealed:${text}`),
  keyId: `case:${CASE_ID}:1`,
});

/** An IncidentReported with every field set, including nanosecond timestamps and a count above 2^32. */
function fullReport(): IncidentReported {
  return create(IncidentReportedSchema, {
    contractId: '0190a5d2-0000-7000-8000-000000000001',
    caseNumber: 'LR-2025-000123',
    content: {
      description: sealed('customer list on a lost USB stick'),
      dataKinds: [DataKind.NAME, DataKind.ADDRESS, DataKind.MY_NUMBER],
    },
    quantity: {
      persons: { precision: CountPrecision.ESTIMATED_ABOUT, value: 1200n },
      records: { precision: CountPrecision.AT_LEAST, value: 5_000_000_000n },
    },
    place: {
      site: sealed('Osaka branch'),
      system: sealed('CRM'),
      medium: sealed('USB'),
      route: sealed('lost in transit'),
    },
    circumstances: { whatHappened: sealed('left on a train'), howDiscovered: sealed('employee noticed') },
    discoveredAt: { seconds: 1_750_000_000n, nanos: 123_456_789 },
    occurredAt: timestampFromDate(new Date('2025-06-14T09:30:00Z')),
    encrypted: TriState.NO,
    improperPurposeSuspected: TriState.UNKNOWN,
    euPersonsPossiblyAffected: TriState.YES,
    measuresTaken: sealed('lost-property report filed'),
    reporter: { userId: 'user-42', role: 'responder' },
  });
}

function envelopeFields(payload: Uint8Array): EnvelopeInit {
  return {
    eventId: '0190a5d2-9999-7000-8000-0000000000aa',
    type: 'leakresponse.intake.v1.IncidentReported',
    caseId: CASE_ID,
    streamId: `case-${CASE_ID}`,
    streamVersion: 1,
    occurredAt: timestampFromDate(new Date('2025-06-15T10:00:00Z')),
    recordedAt: { seconds: 1_750_000_001n, nanos: 654_321_000 },
    actor: { id: 'user-42', kind: ActorKind.USER, role: 'responder' },
    correlationId: 'req-1',
    causationId: 'req-1',
    schemaVersion: 1,
    payload,
    transactionId: '7781',
    globalPosition: '42',
  };
}

describe('event data codec', () => {
  it('carries IncidentReported from JSON to binary and back to the same JSON', () => {
    const json = toJson(IncidentReportedSchema, fullReport());
    const wire = encodeEnvelope(envelopeFields(encodeEvent('IncidentReported', json)));

    const decoded = decodeEventJson(decodeEnvelope(wire));

    expect(decoded.type).toBe('IncidentReported');
    expect(decoded.data).toEqual(json);
  });

  it('decodes the payload to the typed message that was encoded', () => {
    const report = fullReport();
    const payload = encodeEvent('IncidentReported', toJson(IncidentReportedSchema, report));

    const event = decodeEvent(decodeEnvelope(encodeEnvelope(envelopeFields(payload))));

    expect(event.type).toBe('IncidentReported');
    if (event.type !== 'IncidentReported') return;
    expect(equals(IncidentReportedSchema, event.data, report)).toBe(true);
    expect(event.data.quantity?.records?.value).toBe(5_000_000_000n);
    expect(event.data.discoveredAt?.nanos).toBe(123_456_789);
  });

  it('encodes JSON that went through jsonb (plain JSON text) to the same bytes', () => {
    const report = fullReport();
    const json = toJson(IncidentReportedSchema, report);
    const throughJsonb = JSON.parse(JSON.stringify(json)) as IncidentReportedJson;

    expect(encodeEvent('IncidentReported', throughJsonb)).toEqual(toBinary(IncidentReportedSchema, report));
  });

  it('encodes a report where everything but contract, discovery and description is unknown', () => {
    const json: IncidentReportedJson = {
      contractId: 'c-1',
      caseNumber: 'LR-1',
      content: { description: { ciphertext: 'AAEC', keyId: 'case:x:1' } },
      discoveredAt: '2025-06-15T08:00:00Z',
    };
    const wire = encodeEnvelope(envelopeFields(encodeEvent('IncidentReported', json)));
    const event = decodeEvent(decodeEnvelope(wire));

    expect(event.type).toBe('IncidentReported');
    if (event.type !== 'IncidentReported') return;
    expect(event.data.occurredAt).toBeUndefined();
    expect(event.data.quantity).toBeUndefined();
    expect(event.data.encrypted).toBe(TriState.UNSPECIFIED);
    expect(event.data.content?.description?.ciphertext).toEqual(new Uint8Array([0, 1, 2]));
  });

  it('refuses an unknown event type with a typed error', () => {
    const unknownType = 'IncidentReportd' as 'IncidentReported';
    const error = captureError(() => encodeEvent(unknownType, {}));
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect((error as UnknownEventTypeError).eventType).toBe('IncidentReportd');
  });

  it.each([
    ['a field of the wrong type', { contractId: 5 }],
    ['an unknown field', { contractId: 'c-1', contractNumber: 'x' }],
    ['an unknown enum name', { content: { dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_SHOE_SIZE'] } }],
    ['a timestamp that is not RFC 3339', { discoveredAt: '15/06/2025' }],
    ['a negative count', { quantity: { persons: { precision: 'COUNT_PRECISION_EXACT', value: '-1' } } }],
    ['an array instead of an object', []],
  ])('refuses event data with %s as malformed', (_case, data) => {
    const error = captureError(() => encodeEvent('IncidentReported', data as EventJson<'IncidentReported'>));
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as MalformedEventError).subject).toBe('IncidentReported');
  });
});

describe('envelope codec', () => {
  it('round-trips every envelope field', () => {
    const fields = envelopeFields(new Uint8Array([1, 2, 3]));

    const envelope = decodeEnvelope(encodeEnvelope(fields));

    expect(equals(EnvelopeSchema, envelope, create(EnvelopeSchema, fields))).toBe(true);
    expect(envelope.eventId).toBe(fields.eventId);
    expect(envelope.streamVersion).toBe(1);
    expect(envelope.recordedAt).toMatchObject({ seconds: 1_750_000_001n, nanos: 654_321_000 });
    expect(envelope.actor).toMatchObject({ id: 'user-42', kind: ActorKind.USER, role: 'responder' });
    expect(envelope.payload).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('refuses to encode an envelope without its required fields, naming each', () => {
    const error = captureError(() => encodeEnvelope({ payload: new Uint8Array([1]) }));
    expect(error).toBeInstanceOf(MalformedEventError);
    const message = (error as Error).message;
    for (const field of [
      'event_id',
      'type',
      'stream_id',
      'stream_version',
      'occurred_at',
      'recorded_at',
      'actor',
    ]) {
      expect(message).toContain(field);
    }
  });

  it('refuses an actor without a kind', () => {
    const envelope = create(EnvelopeSchema, envelopeFields(new Uint8Array()));
    envelope.actor = create(ActorSchema, { id: 'someone' });
    expect(() => encodeEnvelope(envelope)).toThrow(/actor\.kind is unspecified/);
  });

  it.each([
    ['truncated bytes', new Uint8Array([0x0a, 0xff])],
    ['an illegal tag', new Uint8Array([0x01, 0x02, 0x03])],
    ['text instead of protobuf', new TextEncoder().encode('{"eventId":"x"}')],
    ['an empty message', new Uint8Array()],
  ])('refuses %s as a malformed envelope', (_case, bytes) => {
    const error = captureError(() => decodeEnvelope(bytes));
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as MalformedEventError).subject).toBe('envelope');
  });

  it('decodes the envelope of an event type this build does not know, but not its event', () => {
    const fields = {
      ...envelopeFields(new Uint8Array([8, 1])),
      type: 'leakresponse.future.v1.SomethingHappened',
    };
    const envelope = decodeEnvelope(encodeEnvelope(fields));

    const error = captureError(() => decodeEvent(envelope));
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect((error as UnknownEventTypeError).eventType).toBe('leakresponse.future.v1.SomethingHappened');
  });

  it('refuses a payload that is not a valid message of the envelope type', () => {
    const envelope = decodeEnvelope(encodeEnvelope(envelopeFields(new Uint8Array([0x0a, 0x7f, 0x01]))));
    const error = captureError(() => decodeEvent(envelope));
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as MalformedEventError).subject).toBe('IncidentReported');
  });
});

describe('envelopeFromRecorded', () => {
  const reportJson = toJson(IncidentReportedSchema, fullReport());

  function recordedEvent(overrides: Partial<RecordedEvent> = {}): RecordedEvent {
    return {
      eventId: '0190a5d2-9999-7000-8000-0000000000bb',
      streamId: `case-${CASE_ID}`,
      streamVersion: 3,
      type: 'IncidentReported',
      data: reportJson,
      metadata: {
        eventId: '0190a5d2-9999-7000-8000-0000000000bb',
        caseId: CASE_ID,
        occurredAt: '2025-06-15T10:00:00.123Z',
        actor: { id: 'token-7', kind: 'token', role: 'reporter' },
        correlationId: 'corr-1',
        causationId: 'cause-1',
        schemaVersion: 1,
      },
      recordedAt: '2025-06-15T10:00:00.456789Z',
      transactionId: '900',
      position: '17',
      hash: 'ab'.repeat(32),
      ...overrides,
    };
  }

  it('builds the wire envelope of a stored event, with its data as the binary payload', () => {
    const envelope = envelopeFromRecorded(recordedEvent());

    expect(envelope).toMatchObject({
      eventId: '0190a5d2-9999-7000-8000-0000000000bb',
      type: 'leakresponse.intake.v1.IncidentReported',
      caseId: CASE_ID,
      streamId: `case-${CASE_ID}`,
      streamVersion: 3,
      correlationId: 'corr-1',
      causationId: 'cause-1',
      schemaVersion: 1,
      transactionId: '900',
      globalPosition: '17',
    });
    expect(envelope.actor).toMatchObject({ id: 'token-7', kind: ActorKind.TOKEN, role: 'reporter' });
    expect(envelope.occurredAt).toMatchObject({ seconds: 1_749_981_600n, nanos: 123_000_000 });
    expect(envelope.recordedAt).toMatchObject({ seconds: 1_749_981_600n, nanos: 456_789_000 });
    expect(decodeEventJson(decodeEnvelope(encodeEnvelope(envelope))).data).toEqual(reportJson);
  });

  it('leaves case id, correlation, causation and role empty when the event has none', () => {
    const base = recordedEvent();
    const withoutOptionalMetadata: RecordedEvent = {
      ...base,
      metadata: {
        eventId: base.eventId,
        occurredAt: base.metadata.occurredAt,
        actor: { id: 'system:timeline', kind: 'system' },
        schemaVersion: 1,
      },
    };
    const envelope = envelopeFromRecorded(withoutOptionalMetadata);

    expect(envelope).toMatchObject({ caseId: '', correlationId: '', causationId: '' });
    expect(envelope.actor).toMatchObject({ id: 'system:timeline', kind: ActorKind.SYSTEM, role: '' });
    expect(partitionKeyOf(envelope)).toBe(`case-${CASE_ID}`);
  });

  it('refuses an event type that is not registered', () => {
    expect(() => envelopeFromRecorded(recordedEvent({ type: 'NoSuchEvent' }))).toThrow(UnknownEventTypeError);
  });

  it('refuses stored data that is not valid JSON for the event type', () => {
    expect(() =>
      envelopeFromRecorded(recordedEvent({ data: { contractId: ['not', 'a', 'string'] } })),
    ).toThrow(MalformedEventError);
  });

  it('refuses a timestamp that is not RFC 3339, naming the field', () => {
    expect(() => envelopeFromRecorded(recordedEvent({ recordedAt: '2025-06-15 10:00:00+00' }))).toThrow(
      /recordedAt is not an RFC 3339 timestamp/,
    );
  });
});

describe('Kafka headers and key', () => {
  it('copies id, type and schema version of the envelope into the headers', () => {
    const envelope = decodeEnvelope(encodeEnvelope(envelopeFields(new Uint8Array())));

    expect(envelopeHeaders(envelope)).toEqual({
      'event-id': '0190a5d2-9999-7000-8000-0000000000aa',
      'event-type': 'leakresponse.intake.v1.IncidentReported',
      'content-type': 'application/x-protobuf',
      'schema-version': '1',
    });
    expect(partitionKeyOf(envelope)).toBe(CASE_ID);
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}
