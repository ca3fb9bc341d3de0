import type { DataSource, EntityManager } from 'typeorm';
import type { Clock as TimeSource } from '#libs/auth';
import type { EventJson } from '#libs/contracts';
import type { EventStore, NewEvent } from '#libs/event-store';
import type { BackgroundWorker, MessagingLogger } from '#libs/messaging';
import type { ClockSettingsStore } from '../clock-settings/clock-settings.js';
import { type ClockKind, type DeadlineAlert, dueAlerts, evaluate, warningPoints } from '../clocks/index.js';
import type { CaseState } from '../projection/case-state.js';
import { clocksOf } from '../projection/case-view.js';

/** The proto enum name of each clock kind (`timeline.v1.ClockKind`). */
export const CLOCK_KIND_ENUM: Readonly<Record<ClockKind, string>> = {
  'contract.prompt_report': 'CLOCK_KIND_CONTRACT_PROMPT_REPORT',
  'contract.acknowledgement': 'CLOCK_KIND_CLIENT_ACKNOWLEDGEMENT',
  'appi.preliminary': 'CLOCK_KIND_APPI_PRELIMINARY',
  'appi.final': 'CLOCK_KIND_APPI_FINAL',
  'gdpr.authority': 'CLOCK_KIND_GDPR_SUPERVISORY_AUTHORITY',
  'gdpr.processor_to_controller': 'CLOCK_KIND_GDPR_PROCESSOR_TO_CONTROLLER',
  'instruction.due': 'CLOCK_KIND_INSTRUCTION_DUE',
};

/** The actor of the alerts. */
export const SCHEDULER_ACTOR = { id: 'system:timeline-scheduler', kind: 'system' as const };

export const clockStreamOf = (caseId: string) => `clocks-${caseId}`;

export interface DeadlineSchedulerOptions {
  dataSource: DataSource;
  eventStore: EventStore;
  settings: ClockSettingsStore;
  /** where the scheduler reads the time: injectable so tests move it */
  clock: TimeSource;
  intervalMs: number;
  /** cases claimed per transaction (default 50) */
  batchSize?: number;
  logger: MessagingLogger;
}

/** The event an alert becomes: its id is the alert's deterministic id, so it can only be stored once. */
export function alertEvent(alert: DeadlineAlert, contractId: string, now: Date): NewEvent {
  const common = {
    contractId,
    clock: CLOCK_KIND_ENUM[alert.clockKind],
    subjectId: alert.instructionId ?? '',
    dueAt: alert.dueAt.toISOString(),
    detectedAt: now.toISOString(),
  };
  const data =
    alert.type === 'DeadlineApproaching'
      ? ({
          ...common,
          leadSeconds: String(Math.round(alert.remainingMs / 1000)),
        } as EventJson<'DeadlineApproaching'>)
      : (common as EventJson<'DeadlineMissed'>);
  return {
    type: alert.type,
    data,
    metadata: {
      eventId: alert.id,
      caseId: alert.caseId,
      occurredAt: alert.triggerAt.toISOString(),
      actor: SCHEDULER_ACTOR,
      causationId: alert.clockId,
    },
  };
}

/**
 * Emits `DeadlineApproaching` and `DeadlineMissed` for the clocks of every case. Each round claims the
 * cases whose `next_alert_at` has come (`FOR UPDATE SKIP LOCKED`: another instance skips them), reads
 * what the case's `clocks-<caseId>` stream already holds, appends the alerts due now to the timeline's
 * event store (the outbox relay publishes them on `timeline.clock.events.v1`) and moves `next_alert_at`
 * to the next warning point or due date. An alert's event id is derived from the clock, the kind of alert
 * and its instant, so even two rounds racing past the lock could not store it twice (unique event id).
 */
export class DeadlineScheduler implements BackgroundWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;

  constructor(private readonly options: DeadlineSchedulerOptions) {}

  /** Starts the rounds; the first one after one interval (the consumer catches up first). */
  async start(): Promise<void> {
    this.stopped = false;
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) =>
          this.options.logger.error({ err: error }, 'deadline scheduler round failed'),
        )
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref?.();
  }

  /** One round at the clock's current time: until no claimed case is left. Returns the alerts emitted. */
  async runOnce(): Promise<DeadlineAlert[]> {
    const emitted: DeadlineAlert[] = [];
    for (;;) {
      const now = this.options.clock.now();
      const batch = await this.options.dataSource.transaction((manager) => this.claimAndEmit(manager, now));
      emitted.push(...batch.alerts);
      if (batch.claimed < (this.options.batchSize ?? 50)) break;
    }
    if (emitted.length > 0) {
      await this.options.eventStore.wakeListeners();
      this.options.logger.info({ alerts: emitted.length }, 'deadline alerts emitted');
    }
    return emitted;
  }

  private async claimAndEmit(
    manager: EntityManager,
    now: Date,
  ): Promise<{ claimed: number; alerts: DeadlineAlert[] }> {
    const rows: { case_id: string; state: CaseState }[] = await manager.query(
      `SELECT case_id::text AS case_id, state FROM case_views
        WHERE next_alert_at <= $1
        ORDER BY next_alert_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [now, this.options.batchSize ?? 50],
    );
    const alerts: DeadlineAlert[] = [];
    for (const { case_id: caseId, state } of rows) {
      const settings = await this.options.settings.effectiveFor(manager, state.contractId);
      const clocks = clocksOf(state, settings);
      const stream = clockStreamOf(caseId);
      const already = new Set(
        (await this.options.eventStore.readStream(stream, { manager })).map((e) => e.eventId),
      );
      const due = dueAlerts(clocks, now, already, settings.config.alerts);
      if (due.length > 0) {
        await this.options.eventStore.append(
          stream,
          'any',
          due.map((alert) => alertEvent(alert, state.contractId ?? '', now)),
          { manager },
        );
        alerts.push(...due);
      }
      const future = clocks
        .filter((clock) => !clock.stoppedAt && evaluate(clock, now).status === 'running')
        .flatMap((clock) => [
          ...warningPoints(clock, settings.config.alerts).map((point) => point.at.getTime()),
          clock.dueAt.getTime() + 1,
        ])
        .filter((at) => at > now.getTime());
      await manager.query('UPDATE case_views SET next_alert_at = $2 WHERE case_id = $1', [
        caseId,
        future.length > 0 ? new Date(Math.min(...future)) : null,
      ]);
    }
    return { claimed: rows.length, alerts };
  }
}
