import { InvalidGroupIdError } from './errors.js';

/**
 * Every Kafka topic name of the system, in one place. Event topics are named
 * `<domain>.<entity>.events.v<major>`: one topic per producing aggregate, all of its event types on it,
 * keyed by case id so a case's events stay in order. A new major version is a new topic.
 */
export const TOPICS = {
  /** the incident case (intake service) */
  intakeCase: 'intake.case.events.v1',
  /** correspondence with the client (client-notifier service) */
  clientNotifierCorrespondence: 'clientnotifier.correspondence.events.v1',
  /** notice campaigns to affected persons (subject-notifier service) */
  subjectNotifierCampaign: 'subjectnotifier.campaign.events.v1',
  /** public statements and regulator reports (publisher service) */
  publisherStatement: 'publisher.statement.events.v1',
  /** case clocks and deadlines (timeline service) */
  timelineClock: 'timeline.clock.events.v1',
  /** the access log (audit) */
  auditAccess: 'audit.access.events.v1',
} as const;

export type EventTopic = (typeof TOPICS)[keyof typeof TOPICS];

/** Every event topic, e.g. for a consumer that follows all of them (the timeline) or for topic creation. */
export const ALL_EVENT_TOPICS: readonly EventTopic[] = Object.freeze(Object.values(TOPICS));

/** Kafka's legal topic characters; the group id becomes part of a topic name. */
const TOPIC_NAME_CHARS = /^[A-Za-z0-9._-]+$/;
/** Kafka's limit on topic name length. */
const MAX_TOPIC_NAME_LENGTH = 249;

/**
 * The dead-letter topic of one consumer group: `dlq.<groupId>.v1`. One per group (not per source topic),
 * so a group's poisoned messages are in one place whichever topic they came from.
 */
export function deadLetterTopic(groupId: string): string {
  const topic = `dlq.${groupId}.v1`;
  if (!TOPIC_NAME_CHARS.test(groupId) || topic.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidGroupIdError(groupId);
  }
  return topic;
}
