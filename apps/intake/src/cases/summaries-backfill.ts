import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore, foldEvents } from '#libs/event-store';
import { CASE_STREAM_PREFIX } from './case-commands.js';
import { casesWithoutSummary, upsertCaseSummary } from './case-summaries.js';
import { type CaseEvent, caseDecider } from './domain/case.decider.js';

/**
 * At start, writes the list row of every case that has events but no row (cases reported before the table
 * existed). Each case in its own transaction; a concurrent command's upsert wins by version.
 */
@Injectable()
export class CaseSummariesBackfill implements OnApplicationBootstrap {
  readonly #logger = new Logger('CaseSummariesBackfill');

  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const missing = await casesWithoutSummary(this.dataSource.manager, CASE_STREAM_PREFIX);
    for (const caseId of missing) {
      await this.dataSource.transaction(async (manager) => {
        const events = await this.store.readStream(`${CASE_STREAM_PREFIX}${caseId}`, { manager });
        const state = foldEvents(caseDecider, events as unknown as CaseEvent[]);
        const last = events.at(-1);
        if (last)
          await upsertCaseSummary(manager, caseId, state, last.streamVersion, new Date(last.recordedAt));
      });
    }
    if (missing.length > 0) this.#logger.log(`wrote the list rows of ${missing.length} earlier cases`);
  }
}
