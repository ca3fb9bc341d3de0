import type { DataSource, EntityManager } from 'typeorm';
import type { EventStore } from '#libs/event-store';
import { readAccessEntries } from './access-entries.js';
import { type AccessReport, buildReport } from './access-report.js';
import { anomalyEvent, anomalyEventData, anomalyStreamId } from './anomaly-event.js';
import type { AnomalyNotifier, DeliveryOutcome } from './anomaly-notifier.js';
import { type AnalysisRules, analyseAccess, type Finding, lookbackMs } from './findings.js';

export interface AnalysisRun {
  readonly from: Date;
  readonly to: Date;
  /** when the run happens: the events' occurredAt and the report's generatedAt */
  readonly now: Date;
}

export interface RunResult {
  readonly report: AccessReport;
  /** findings reported for the first time by this run (each: one event, one e-mail) */
  readonly recorded: readonly Finding[];
  readonly delivery?: DeliveryOutcome;
}

export class InvalidPeriodError extends RangeError {
  override readonly name = 'InvalidPeriodError';
}

export interface AccessAnalysisOptions {
  readonly dataSource: DataSource;
  /** identity's schema: the findings table and the event store */
  readonly schema: string;
  readonly eventStore: EventStore;
  readonly sourceSchemas: readonly string[];
  readonly rules: AnalysisRules;
  /** absent: findings are recorded and published but not mailed (e.g. the CLI) */
  readonly notifier?: AnomalyNotifier;
}

/**
 * The analysis of the access logs (Art. 6(8)(3) イ/ウ) over a period: reads of case data per actor,
 * bulk reads, repeated denials per address and per account, access at off-hours.
 *
 * `report` only reads. `run` also reports every finding not reported before: an `AccessAnomalyDetected`
 * event in identity's event store (the outbox relay publishes it) and a row in the findings table, in
 * one transaction; then the e-mails to the responsible persons go out.
 */
export class AccessAnalysis {
  constructor(private readonly options: AccessAnalysisOptions) {}

  async report(
    period: { from: Date; to: Date },
    now: Date = new Date(),
    manager?: EntityManager,
  ): Promise<AccessReport> {
    assertPeriod(period.from, period.to);
    const reader = manager ?? this.options.dataSource.manager;
    const { rules, sourceSchemas } = this.options;
    const { entries, missingSchemas } = await readAccessEntries(
      reader,
      sourceSchemas,
      new Date(period.from.getTime() - lookbackMs(rules)),
      period.to,
    );
    const result = analyseAccess(entries, period, rules);
    const present = sourceSchemas.filter((schema) => !missingSchemas.includes(schema));
    return buildReport(period, now, { present, missing: missingSchemas }, result);
  }

  /**
   * Analyses and reports the period's new findings. With `manager` everything is written in the
   * caller's transaction and no e-mail is sent (the caller calls `deliverPending` after its commit).
   */
  async run(run: AnalysisRun, manager?: EntityManager): Promise<RunResult> {
    if (manager) return this.recordIn(run, manager);
    const result = await this.options.dataSource.transaction((own) => this.recordIn(run, own));
    const delivery = await this.options.notifier?.deliverPending();
    return { ...result, delivery };
  }

  private async recordIn(run: AnalysisRun, manager: EntityManager): Promise<RunResult> {
    const report = await this.report(run, run.now, manager);
    const recorded: Finding[] = [];
    const period = { from: run.from, to: run.to };
    for (const finding of report.findings) {
      const full: Finding = {
        ...finding,
        actorId: finding.actorId ?? undefined,
        clientIp: finding.clientIp ?? undefined,
        windowStart: new Date(finding.windowStart),
        windowEnd: new Date(finding.windowEnd),
        detectedAt: new Date(finding.detectedAt),
      };
      const inserted: unknown[] = await manager.query(
        `INSERT INTO "${this.options.schema}".access_anomaly_findings (finding_id, kind, detected_at, data)
         VALUES ($1, $2, $3, $4) ON CONFLICT (finding_id) DO NOTHING RETURNING finding_id`,
        [full.id, full.kind, full.detectedAt, JSON.stringify(anomalyEventData(full, period))],
      );
      if (inserted.length === 0) continue; // reported by an earlier run
      await this.options.eventStore.append(
        anomalyStreamId(full.id),
        'no_stream',
        [anomalyEvent(full, period, run.now)],
        {
          manager,
        },
      );
      recorded.push(full);
    }
    return { report, recorded };
  }
}

/** The longest period one report covers (a larger one is several downloads). */
export const MAX_PERIOD_MS = 31 * 86_400_000;

export function assertPeriod(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new InvalidPeriodError('from and to must be dates');
  if (to <= from) throw new InvalidPeriodError('to must be after from');
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS)
    throw new InvalidPeriodError('a period covers at most 31 days');
}
