import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { EntityManager } from 'typeorm';
import {
  decodeEventJson,
  type Envelope,
  eventTypeOfFullName,
  SEALED_TEXT_PURPOSES,
  type SealedTextJson,
} from '#libs/contracts';
import type { Logger } from '#libs/platform';
import { type CaseKeyring, KeyDestroyedError, SealTamperedError, sealedFromJson } from '#libs/sealing';
import type { NoticeTemplates } from './notice-templates.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PublisherEventDeps {
  readonly templates: NoticeTemplates;
  /** publisher's case keys (`PUBLISHER_SCHEMA`): SELECT only, `unseal` never creates a key */
  readonly publisherKeys: CaseKeyring;
  readonly logger: Logger;
}

/**
 * The consumer of `publisher.statement.events.v1`: `NoticeTemplateApproved` (a notice for affected persons
 * the client approved through the consultation) becomes an approved template in `notice_templates`. Its four
 * texts are opened with publisher's case key and must match the event's `template_hash`, or nothing is
 * stored (the handler throws: the event is retried, then dead-lettered). A case erased at the publisher
 * (its key destroyed) has no words left to send: the event is skipped. Other events are skipped.
 */
export async function handlePublisherEvent(
  deps: PublisherEventDeps,
  envelope: Envelope,
  manager: EntityManager,
): Promise<void> {
  if (eventTypeOfFullName(envelope.type) !== 'NoticeTemplateApproved' || !UUID.test(envelope.caseId)) return;
  const event = decodeEventJson(envelope);
  if (event.type !== 'NoticeTemplateApproved') return;
  const data = event.data;
  const purposes = SEALED_TEXT_PURPOSES.noticeTemplate;
  const open = (sealed: SealedTextJson | undefined, purpose: string): Promise<string> => {
    if (sealed === undefined)
      throw new SealTamperedError('(none)', `NoticeTemplateApproved lacks ${purpose}`);
    return deps.publisherKeys.unseal(sealedFromJson(sealed), purpose, manager);
  };
  const texts: string[] = [];
  try {
    // one after the other: the manager is one connection (the consumer's transaction)
    for (const [sealed, purpose] of [
      [data.subjectJa, purposes.subjectJa],
      [data.bodyJa, purposes.bodyJa],
      [data.subjectEn, purposes.subjectEn],
      [data.bodyEn, purposes.bodyEn],
    ] as const) {
      texts.push(await open(sealed, purpose));
    }
  } catch (error) {
    if (!(error instanceof KeyDestroyedError)) throw error;
    deps.logger.warn(
      { statementId: data.statementId, revision: data.revision },
      'notice template of an erased case skipped',
    );
    return;
  }
  const [subjectJa = '', bodyJa = '', subjectEn = '', bodyEn = ''] = texts;
  await deps.templates.recordApproved(
    {
      templateId: (data.statementId ?? '').toLowerCase(),
      revision: data.revision ?? 0,
      caseId: envelope.caseId.toLowerCase(),
      subjectJa,
      bodyJa,
      subjectEn,
      bodyEn,
      approvedAt: data.approvedAt
        ? new Date(data.approvedAt)
        : envelope.occurredAt
          ? timestampDate(envelope.occurredAt)
          : new Date(),
      approvedBy: data.approvedBy ?? '',
      // the hash publisher computed over the approved words: what was opened must be exactly them
      contentHash: data.templateHash ?? '',
    },
    manager,
  );
}
