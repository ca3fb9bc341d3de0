import type { EntityManager } from 'typeorm';
import type { EventJson, EventTypeName } from '#libs/contracts';
import type { Actor, EventStore } from '#libs/event-store';

/** subject-notifier's events of one case live in the stream `subjects-<caseId>`. */
export const subjectsStreamOf = (caseId: string) => `subjects-${caseId}`;

/** The actor of what the service does by itself (sending, completing, erasing on an instruction). */
export const SYSTEM_ACTOR: Actor = { id: 'system:subject-notifier', kind: 'system' };

type SubjectEventType =
  | 'SubjectsImported'
  | 'NoticeCampaignStarted'
  | 'NoticeCampaignProgressed'
  | 'NoticeCampaignCompleted'
  | 'NoticeCampaignPaused'
  | 'NoticeCampaignResumed'
  | 'NoticeCampaignCancelled'
  | 'PublicNoticePosted'
  | 'SubjectsErased';

export type SubjectEvent = {
  [K in SubjectEventType & EventTypeName]: { readonly type: K; readonly data: EventJson<K> };
}[SubjectEventType & EventTypeName];

/**
 * Appends the service's events of a case in the caller's transaction (the event table is the outbox; the
 * relay publishes them to `subjectnotifier.campaign.events.v1`, keyed by case id). Counts and kinds only.
 */
export class SubjectEvents {
  constructor(private readonly store: EventStore) {}

  async append(
    manager: EntityManager,
    caseId: string,
    events: readonly SubjectEvent[],
    context: { readonly now: Date; readonly actor?: Actor },
  ): Promise<void> {
    if (events.length === 0) return;
    await this.store.append(
      subjectsStreamOf(caseId),
      'any',
      events.map((event) => ({
        type: event.type,
        data: event.data,
        metadata: { caseId, occurredAt: context.now.toISOString(), actor: context.actor ?? SYSTEM_ACTOR },
      })),
      { manager },
    );
  }
}
