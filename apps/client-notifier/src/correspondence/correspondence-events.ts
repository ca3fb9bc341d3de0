import type { EntityManager } from 'typeorm';
import type { EventJson, EventTypeName } from '#libs/contracts';
import type { Actor, EventStore } from '#libs/event-store';

/** client-notifier's events of one case live in the stream `correspondence-<caseId>`. */
export const CORRESPONDENCE_STREAM_PREFIX = 'correspondence-';
export const correspondenceStreamOf = (caseId: string) => `${CORRESPONDENCE_STREAM_PREFIX}${caseId}`;

/** The actor of what the service does by itself: sending, reminding, escalating. */
export const SYSTEM_ACTOR: Actor = { id: 'system:client-notifier', kind: 'system' };

type CorrespondenceEventType =
  | 'ClientNotificationSent'
  | 'ClientNotificationFailed'
  | 'ClientAcknowledged'
  | 'ClientReminderSent'
  | 'ClientEscalated';

export type CorrespondenceEvent = {
  [K in CorrespondenceEventType & EventTypeName]: { readonly type: K; readonly data: EventJson<K> };
}[CorrespondenceEventType & EventTypeName];

export interface EventContext {
  readonly now: Date;
  readonly actor?: Actor;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/**
 * Appends the correspondence events of a case in the caller's transaction, so they commit with the state
 * change they announce (the event table is the outbox; the relay publishes them to
 * `clientnotifier.correspondence.events.v1`). Several senders may append to one case at once: `'any'`.
 */
export class CorrespondenceEvents {
  constructor(private readonly store: EventStore) {}

  async append(
    manager: EntityManager,
    caseId: string,
    events: readonly CorrespondenceEvent[],
    context: EventContext,
  ): Promise<void> {
    if (events.length === 0) return;
    await this.store.append(
      correspondenceStreamOf(caseId),
      'any',
      events.map((event) => ({
        type: event.type,
        data: event.data,
        metadata: {
          caseId,
          occurredAt: context.now.toISOString(),
          actor: context.actor ?? SYSTEM_ACTOR,
          correlationId: context.correlationId,
          causationId: context.causationId,
        },
      })),
      { manager },
    );
  }
}
