import type { DataSource } from 'typeorm';
import type { AccessLogLogger } from './access-log-writer.js';
import { MINIMUM_RETENTION_DAYS } from './migrations.js';
import { quoteIdentifier } from './sql-identifier.js';

export class RetentionTooShortError extends RangeError {
  override readonly name = 'RetentionTooShortError';
  constructor(readonly days: number) {
    super(`access records are kept at least ${MINIMUM_RETENTION_DAYS} days (asked: ${days})`);
  }
}

/**
 * Removes access records older than `olderThanDays` through the schema's `access_log_purge` function
 * (the only way the application can delete them); returns how many were removed. Refuses less than
 * 365 days here and, independently, in the database.
 */
export async function purgeAccessLog(
  dataSource: DataSource,
  schema: string,
  olderThanDays: number,
): Promise<number> {
  if (!Number.isInteger(olderThanDays) || olderThanDays < MINIMUM_RETENTION_DAYS) {
    throw new RetentionTooShortError(olderThanDays);
  }
  const rows: Array<{ removed: string }> = await dataSource.query(
    `SELECT ${quoteIdentifier(schema)}.access_log_purge($1) AS removed`,
    [olderThanDays],
  );
  return Number(rows[0]?.removed ?? 0);
}

export interface AccessLogRetentionOptions {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly retentionDays: number;
  readonly intervalMs: number;
  readonly logger?: AccessLogLogger & { info(fields: object, message: string): void };
}

/** The retention job: purges once at start-up, then every interval. Failures are logged and retried next time. */
export class AccessLogRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: AccessLogRetentionOptions) {}

  start(): void {
    this.running = this.runOnce();
    this.timer = setInterval(() => {
      this.running = this.runOnce();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async runOnce(): Promise<void> {
    const { dataSource, schema, retentionDays, logger } = this.options;
    try {
      const removed = await purgeAccessLog(dataSource, schema, retentionDays);
      if (removed > 0) logger?.info({ removed, retentionDays }, 'access log: old records purged');
    } catch (error) {
      logger?.error({ err: error, retentionDays }, 'access log retention failed; retrying at the next run');
    }
  }
}
