import { kafkaAdmin, waitFor } from '#libs/testing';

/** Kafka topic and group names from `uniqueName` are valid as they are; dots make them read like ours. */
export function topicName(name: string): string {
  return name.replaceAll('_', '.');
}

/** Deletes consumer groups a test created (best effort: a group that never formed is not an error). */
export async function deleteGroups(groups: string[]): Promise<void> {
  const admin = await kafkaAdmin();
  try {
    await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `items` (filled by a handler) holds something and returns its first element. */
export async function firstArrival<T>(items: readonly T[], message: string): Promise<T> {
  await waitFor(() => items.length > 0, { message, timeoutMs: 20_000 });
  return items[0];
}
