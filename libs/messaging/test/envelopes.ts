import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  ActorKind,
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  encodeEvent,
  envelopeHeaders,
  fullTypeNameOf,
} from '#libs/contracts';
import type { OutgoingMessage } from '../src/index.js';

/** A valid `IncidentReported` envelope message for `caseId`, as the relay would publish it. */
export function envelopeMessage(
  topic: string,
  {
    caseId,
    streamVersion = 1,
    eventId = randomUUID(),
  }: { caseId: string; streamVersion?: number; eventId?: string },
): OutgoingMessage {
  const now = timestampFromDate(new Date());
  const fields = {
    eventId,
    type: fullTypeNameOf('IncidentReported'),
    caseId,
    streamId: caseId,
    streamVersion,
    occurredAt: now,
    recordedAt: now,
    actor: { id: 'system:test', kind: ActorKind.SYSTEM },
    schemaVersion: 1,
    payload: encodeEvent('IncidentReported', { contractId: 'contract-1', caseNumber: `N-${streamVersion}` }),
  };
  const value = encodeEnvelope(fields);
  return { topic, key: caseId, value, headers: envelopeHeaders(decodeEnvelope(value)) };
}

export type { Envelope };
