import type { EntityManager } from 'typeorm';
import type { EventJson, EventTypeName } from '#libs/contracts';
import type { Actor, EventStore } from '#libs/event-store';

/** Appends one event of the publisher (its case id in the metadata) to a stream, in the caller's transaction. */
export async function appendEvent<K extends EventTypeName>(
  store: EventStore,
  manager: EntityManager,
  stream: { readonly streamId: string; readonly caseId: string },
  actor: Actor,
  now: Date,
  type: K,
  data: EventJson<K>,
): Promise<void> {
  await store.append(
    stream.streamId,
    'any',
    [{ type, data, metadata: { caseId: stream.caseId, occurredAt: now.toISOString(), actor } }],
    { manager },
  );
}
