import type { DataSource, EntityManager } from 'typeorm';
import { ConcurrencyError } from './errors.js';

/**
 * Runs `work` in a transaction, again (in a new transaction) when it lost a race that only a retry resolves:
 * another transaction appended to the same stream first (`ConcurrencyError`, e.g. with expected version
 * `'any'` and a concurrent append). `work` must be safe to run again: everything it wrote rolled back.
 */
export async function transactionRetryingConflicts<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  attempts = 8,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
