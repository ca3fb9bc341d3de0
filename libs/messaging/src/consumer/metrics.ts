/** What a consumer runner counts. */
export type ConsumerOutcome =
  /** the handler ran and its effects committed with the inbox row */
  | 'handled'
  /** the event id was already in the inbox: a redelivery, skipped */
  | 'duplicate'
  /** an attempt failed and another one follows after a back-off */
  | 'retried'
  /** the message went to the dead-letter topic (after the last attempt, or undecodable) */
  | 'dead_lettered';

export interface ConsumerMetricLabels {
  groupId: string;
  topic: string;
}

/**
 * The counting hook of `ConsumerRunner`. `libs/platform` binds it to a prom-client counter with labels
 * `outcome`, `group_id` and `topic`; tests and the in-process mode can use `CountingConsumerMetrics`.
 */
export interface ConsumerMetrics {
  increment(outcome: ConsumerOutcome, labels: ConsumerMetricLabels): void;
}

/** Plain in-memory counters per outcome (all groups and topics together). */
export class CountingConsumerMetrics implements ConsumerMetrics {
  private readonly counts: Record<ConsumerOutcome, number> = {
    handled: 0,
    duplicate: 0,
    retried: 0,
    dead_lettered: 0,
  };

  increment(outcome: ConsumerOutcome): void {
    this.counts[outcome] += 1;
  }

  count(outcome: ConsumerOutcome): number {
    return this.counts[outcome];
  }

  snapshot(): Readonly<Record<ConsumerOutcome, number>> {
    return { ...this.counts };
  }
}

export const noConsumerMetrics: ConsumerMetrics = { increment: () => {} };
