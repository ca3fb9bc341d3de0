import { TOPICS } from '#libs/contracts';

/** The Kafka consumer groups of one deployment of the service (its SERVICE_NAME), with their topics. */
export function consumerGroupsOf(serviceName: string): ReadonlyArray<{ groupId: string; topic: string }> {
  return [
    { groupId: `${serviceName}.intake`, topic: TOPICS.intakeCase },
    { groupId: `${serviceName}.clock`, topic: TOPICS.timelineClock },
    { groupId: `${serviceName}.publisher`, topic: TOPICS.publisherStatement },
  ];
}

/** What `startGroupsAtEnd` needs of a Kafka admin client (kafkajs's `Admin` has it). */
export interface OffsetAdmin {
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; high: string }>>;
  setOffsets(input: {
    groupId: string;
    topic: string;
    partitions: Array<{ partition: number; offset: string }>;
  }): Promise<void>;
}

/**
 * Points the deployment's consumer groups at the current end of their topics, before the service starts:
 * its consumers then handle what is published from now on, not the topics' history. For the tests and the
 * benchmark, which share topics with other runs; a new production deployment that must not send first
 * notices for old cases could do the same (the groups must have no running member).
 */
export async function startGroupsAtEnd(admin: OffsetAdmin, serviceName: string): Promise<void> {
  for (const { groupId, topic } of consumerGroupsOf(serviceName)) {
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: offsets.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  }
}
