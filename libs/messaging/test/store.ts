import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { decodeEnvelope, type Envelope } from '#libs/contracts';
import {
  compareCursors,
  cursorOf,
  EventStore,
  eventStoreMigrations,
  type GlobalCursor,
  type NewEvent,
  START,
} from '#libs/event-store';
import { createTestDataSource } from '#libs/testing';
import { encodeRecordedEvent, messagingMigrations, type RecordedEventEncoder } from '../src/index.js';

/** A schema with the event store and the messaging tables, and a store on it. */
export async function createStore(schema: string): Promise<{ dataSource: DataSource; store: EventStore }> {
  const dataSource = await createTestDataSource({
    schema,
    migrations: [...eventStoreMigrations(schema), ...messagingMigrations(schema)],
    poolSize: 8,
  });
  return { dataSource, store: new EventStore(dataSource, { schema }) };
}

/** The standard envelope encoding, sent to the test's own topic instead of the production one. */
export function encodeTo(topic: string): RecordedEventEncoder {
  return (recorded) => ({ ...encodeRecordedEvent(recorded), topic });
}

export function caseEvent(caseId: string, version: number): NewEvent {
  return {
    type: 'IncidentReported',
    data: { contractId: 'contract-1', caseNumber: `N-${version}` },
    metadata: { caseId, occurredAt: new Date().toISOString(), actor: { id: 'system:test', kind: 'system' } },
  };
}

export interface AppendedCases {
  caseIds: string[];
  /** cursor of the last event in the global log (what a relay's checkpoint reaches when done) */
  lastCursor: GlobalCursor;
}

/**
 * Appends `eventsPerCase` single-event transactions to each of `cases` new case streams, from
 * `concurrency` writers at once, so that the cases interleave in the global log. A case belongs to
 * one writer, so its own events are appended in version order.
 */
export async function appendCases(
  store: EventStore,
  { cases, eventsPerCase, concurrency = 8 }: { cases: number; eventsPerCase: number; concurrency?: number },
): Promise<AppendedCases> {
  const caseIds = Array.from({ length: cases }, () => randomUUID());
  let lastCursor = START;
  const writer = async (index: number) => {
    const mine = caseIds.filter((_, caseIndex) => caseIndex % concurrency === index);
    for (let version = 1; version <= eventsPerCase; version++) {
      for (const caseId of mine) {
        const { events } = await store.append(caseId, version - 1, [caseEvent(caseId, version)]);
        const cursor = cursorOf(events[0]);
        if (compareCursors(cursor, lastCursor) > 0) lastCursor = cursor;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => writer(index)));
  return { caseIds, lastCursor };
}

/** Stream versions per case, in the order the envelopes arrived. */
export function versionsByCase(values: Array<Uint8Array | null>): Map<string, number[]> {
  const byCase = new Map<string, number[]>();
  for (const value of values) {
    const envelope: Envelope = decodeEnvelope(value ?? new Uint8Array());
    const versions = byCase.get(envelope.caseId) ?? [];
    versions.push(Number(envelope.streamVersion));
    byCase.set(envelope.caseId, versions);
  }
  return byCase;
}

export function oneToN(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1);
}
