import type { DataSource } from 'typeorm';
import type { BackgroundWorker } from '#libs/messaging';
import type { Logger } from '#libs/platform';
import type { AccessAnalysis, RunResult } from './access-analysis.js';
import type { AnomalyNotifier } from './anomaly-notifier.js';

export interface AnalysisSchedulerOptions {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly analysis: AccessAnalysis;
  readonly notifier: AnomalyNotifier;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly clock?: () => Date;
  /**
   * How far behind "now" a period ends: time for the last batched access records (≤ 50 ms) and for
   * responses still being written to reach the log. Default 10 s.
   */
  readonly settleMs?: number;
}

/** A run after a long stop covers at most this much; the next runs catch up. */
const MAX_RUN_PERIOD_MS = 24 * 3_600_000;

/**
 * The scheduled analysis: every interval, analyses the period since the previous run ended (kept in
 * `access_analysis_checkpoint`, so consecutive runs neither overlap nor leave gaps and each finding is
 * reported once), then mails what is pending. With several identity instances, the checkpoint row is
 * locked by the one running; the others skip that round.
 */
export class AccessAnalysisScheduler implements BackgroundWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly clock: () => Date;
  private readonly settleMs: number;

  constructor(private readonly options: AnalysisSchedulerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.settleMs = options.settleMs ?? 10_000;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.runInBackground(), this.options.intervalMs);
    this.timer.unref();
    this.runInBackground();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round; `undefined` when another instance holds the checkpoint or nothing is due yet. */
  async tick(): Promise<RunResult | undefined> {
    const now = this.clock();
    const to = new Date(now.getTime() - this.settleMs);
    const result = await this.options.dataSource.transaction(async (manager) => {
      const rows: Array<{ analysed_to: Date | null }> = await manager.query(
        `SELECT analysed_to FROM "${this.options.schema}".access_analysis_checkpoint WHERE id = 1 FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return undefined;
      const from = rows[0].analysed_to ?? new Date(to.getTime() - this.options.intervalMs);
      if (to <= from) return undefined;
      const end = new Date(Math.min(to.getTime(), from.getTime() + MAX_RUN_PERIOD_MS));
      const run = await this.options.analysis.run({ from, to: end, now }, manager);
      await manager.query(
        `UPDATE "${this.options.schema}".access_analysis_checkpoint SET analysed_to = $1 WHERE id = 1`,
        [end],
      );
      return run;
    });
    const delivery = await this.options.notifier.deliverPending();
    if (result && result.recorded.length > 0) {
      this.options.logger.warn(
        { findings: result.recorded.map((finding) => ({ id: finding.id, kind: finding.kind })), delivery },
        'access anomalies detected',
      );
    }
    return result && { ...result, delivery };
  }

  private runInBackground(): void {
    if (this.running) return; // the previous round is still going
    this.running = this.tick()
      .catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'access analysis failed; retrying next round'),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}
