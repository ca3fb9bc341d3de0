import type { InjectionToken } from '@nestjs/common';

/**
 * What readiness needs from the broker: a cheap round trip (the Kafka implementation asks the cluster
 * for its metadata). `libs/messaging` implements it, so kafkajs stays behind that library.
 */
export interface BrokerHealthIndicatorSource {
  /** resolves when the broker answered; rejects (or never resolves) otherwise */
  ping(): Promise<void>;
}

/** What readiness needs from the database; a TypeORM `DataSource` is one. */
export interface DatabaseHealthSource {
  query(sql: string): Promise<unknown>;
  /** when present and false (a DataSource not yet connected), the check fails without querying */
  readonly isInitialized?: boolean;
}

/** A readiness source: the object itself, the token to find it under, or `false` for "not used". */
export type ReadinessSource<T> = T | InjectionToken<T> | false;

export interface ReadinessOptions {
  /** Default: the TypeORM `DataSource` provided in the application. */
  database?: ReadinessSource<DatabaseHealthSource>;
  /** Default: whatever is provided under `BROKER_HEALTH`. */
  broker?: ReadinessSource<BrokerHealthIndicatorSource>;
  /** How long each check may take before it counts as down (default 2000 ms). */
  timeoutMs?: number;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2000;

export function isDatabaseHealthSource(value: unknown): value is DatabaseHealthSource {
  return (
    typeof value === 'object' && value !== null && typeof (value as DatabaseHealthSource).query === 'function'
  );
}

export function isBrokerHealthSource(value: unknown): value is BrokerHealthIndicatorSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BrokerHealthIndicatorSource).ping === 'function'
  );
}

/**
 * Runs `probe` at most once at a time: while one is pending, callers share it. A database that hangs
 * would otherwise have every readiness probe take another pooled connection until the pool is gone.
 */
export function singleFlight(probe: () => Promise<unknown>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= probe()
      .then(() => undefined)
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
