import type { DataSource, EntityManager } from 'typeorm';
import type { Envelope } from '#libs/contracts';
import { GENESIS_HASH } from '#libs/event-store';
import type { ClockSettingsOverrides, ClockSettingsStore } from '../clock-settings/clock-settings.js';
import {
  type CaseHistory,
  HISTORY_COLUMNS,
  type HistoryRow,
  historyEventOf,
  type ReceivedEvent,
  receiptContent,
  receivedEventOf,
} from '../history/case-history.js';
import {
  type CaseState,
  compareFoldPosition,
  evolveCase,
  foldCase,
  foldsAfter,
  type HistoryEvent,
  positionOf,
} from './case-state.js';
import { type CaseView, caseViewOf, type EffectiveClockSettings } from './case-view.js';

/**
 * `case_views` keeps per case its folded state and the columns the list and the scheduler query
 * (stage, next deadline, next alert). The rest of the read model (stages, clocks, instructions,
 * measures) is computed from the state and the contract's current clock settings when it is read.
 */
const VIEW_COLUMNS = [
  'case_id',
  'contract_id',
  'case_number',
  'stage',
  'next_due_at',
  'next_due_kind',
  'next_due_clock',
  'next_alert_at',
  'open_instructions',
  'open_measures',
  'event_count',
  'last_event_at',
  'folded_seq',
  'state',
] as const;
const VIEW_TYPES = [
  'uuid',
  'uuid',
  'text',
  'text',
  'timestamptz',
  'text',
  'text',
  'timestamptz',
  'int',
  'int',
  'int',
  'timestamptz',
  'int',
  'jsonb',
];
/** A view never goes back to an older fold (two projectors racing on one case). */
const ON_CONFLICT = `ON CONFLICT (case_id) DO UPDATE SET ${VIEW_COLUMNS.slice(1)
  .map((column) => `${column} = EXCLUDED.${column}`)
  .join(', ')}, updated_at = now() WHERE case_views.folded_seq <= EXCLUDED.folded_seq`;

/** Many views in one statement. */
const UPSERT_VIEWS = `
  INSERT INTO case_views (${VIEW_COLUMNS.join(', ')})
  SELECT * FROM unnest(${VIEW_TYPES.map((type, index) => `$${index + 1}::${type}[]`).join(', ')})
  ${ON_CONFLICT}`;

const HISTORY_INSERT_COLUMNS = `event_id, case_id, stream_id, stream_version, type, occurred_at, recorded_at,
  actor_id, actor_kind, actor_role, source_topic, data, correlation_id, causation_id, decoded, payload,
  receipt_seq, receipt_hash`;

/**
 * The event, chained and kept, in one statement: the case's head row is created or advanced (its row
 * lock orders the writers of one case until commit; the next receipt hash is computed from the head's,
 * `sha256(previous ‖ UTF-8(content))`, exactly as `receiptHash` does), the case is marked for the
 * projector, and the history row takes the new sequence number and hash. A duplicate event id changes
 * nothing and returns no row.
 */
const RECORD_EVENT = `
  WITH head AS (
    INSERT INTO case_heads AS h (case_id, receipt_seq, receipt_hash, dirty)
    SELECT $2, 1, sha256($17::bytea || convert_to($18, 'UTF8')), true
     WHERE NOT EXISTS (SELECT 1 FROM case_history WHERE event_id = $1)
    ON CONFLICT (case_id) DO UPDATE
      SET receipt_seq = h.receipt_seq + 1,
          receipt_hash = sha256(h.receipt_hash || convert_to($18, 'UTF8')),
          dirty = true
    RETURNING receipt_seq, receipt_hash
  )
  INSERT INTO case_history (${HISTORY_INSERT_COLUMNS})
  SELECT ${Array.from({ length: 16 }, (_, i) => `$${i + 1}`).join(', ')}, head.receipt_seq, head.receipt_hash
    FROM head
  RETURNING receipt_seq`;

function viewValues(state: CaseState, view: CaseView, foldedSeq: number): unknown[] {
  return [
    view.caseId,
    view.contractId ?? null,
    view.caseNumber ?? null,
    view.stage,
    view.nextDue?.dueAt ?? null,
    view.nextDue?.kind ?? null,
    view.nextDue?.clockId ?? null,
    view.nextAlertAt ?? null,
    view.instructions.filter((i) => i.open).length,
    view.measures.filter((m) => m.open).length,
    view.eventCount,
    view.lastEventAt ?? null,
    foldedSeq,
    JSON.stringify(state),
  ];
}

/** A case's folded state, its view, and the last receipt it folded in. */
export interface ViewRecord {
  state: CaseState;
  view: CaseView;
  foldedSeq: number;
}

export async function writeViews(manager: EntityManager, records: readonly ViewRecord[]): Promise<void> {
  if (records.length === 0) return;
  const columns: unknown[][] = VIEW_COLUMNS.map(() => []);
  for (const { state, view, foldedSeq } of records) {
    viewValues(state, view, foldedSeq).forEach((value, index) => {
      columns[index].push(value);
    });
  }
  await manager.query(UPSERT_VIEWS, columns);
}

export interface RebuildResult {
  cases: number;
  events: number;
  ms: number;
}

/**
 * Keeps `case_views` in step with `case_history`: each new event is folded into its case's state (at
 * once when it sorts after everything folded so far, otherwise by refolding the case's whole history),
 * and the list and scheduler columns are recomputed with the contract's clock settings. `rebuild`
 * throws every view away and folds them again from the history: the replay.
 */
export class CaseProjection {
  constructor(
    private readonly dataSource: DataSource,
    private readonly history: CaseHistory,
    private readonly settings: ClockSettingsStore,
  ) {}

  /**
   * The consumer's handler: keeps the event in the case's history (once, by event id), chains it into
   * the case's receipt chain and marks the case for the projector, in the consumer's transaction. One
   * statement besides the inbox row, whatever the size of the case. Returns the event when it was new.
   */
  async receive(
    envelope: Envelope,
    topic: string,
    manager: EntityManager,
  ): Promise<ReceivedEvent | undefined> {
    const received = receivedEventOf(envelope, topic);
    if (!received) return undefined;
    const { caseId, event } = received;
    const recorded: { receipt_seq: number }[] = await manager.query(RECORD_EVENT, [
      event.eventId,
      caseId,
      event.streamId,
      event.streamVersion,
      event.type,
      event.occurredAt,
      event.recordedAt,
      event.actor.id,
      event.actor.kind,
      event.actor.role ?? '',
      topic,
      JSON.stringify(event.data),
      received.correlationId,
      received.causationId,
      received.decoded,
      received.payload,
      GENESIS_HASH,
      receiptContent(event, caseId),
    ]);
    if (recorded.length === 0) return undefined; // already kept
    return received;
  }

  /**
   * Folds the new events of up to `limit` marked cases into their views. The marks are cleared first,
   * in a short transaction of their own (`FOR UPDATE SKIP LOCKED`: another instance takes other cases),
   * so the consumer never waits for a fold; the fold then reads what the view has not folded yet (by
   * receipt number), whatever marked it. Each case whose new events all sort after what it folded so
   * far is evolved by them, any other is refolded from its whole history. A failed fold marks its cases
   * again. Returns how many cases it claimed.
   */
  async projectMarked(limit = 50): Promise<number> {
    const claimed: { case_id: string }[] = await this.dataSource.query(
      // (a SELECT around the UPDATE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING)
      `WITH claimed AS (
         UPDATE case_heads SET dirty = false
          WHERE case_id IN (SELECT case_id FROM case_heads WHERE dirty ORDER BY case_id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING case_id)
       SELECT case_id::text AS case_id FROM claimed`,
      [limit],
    );
    if (claimed.length === 0) return 0;
    // one lock order for every instance (views are locked and written in case id order)
    const ids = claimed.map((row) => row.case_id).sort();
    try {
      await this.fold(ids);
    } catch (error) {
      await this.dataSource.query('UPDATE case_heads SET dirty = true WHERE case_id = ANY($1)', [ids]);
      throw error;
    }
    return ids.length;
  }

  private async fold(ids: readonly string[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const stored: { case_id: string; state: CaseState; folded_seq: number }[] = await manager.query(
        `SELECT case_id::text AS case_id, state, folded_seq FROM case_views WHERE case_id = ANY($1) ORDER BY case_id FOR UPDATE`,
        [ids],
      );
      const byCase = new Map(stored.map((row) => [row.case_id, row]));
      const fresh: (HistoryRow & { case_id: string })[] = await manager.query(
        `SELECT ${HISTORY_COLUMNS} FROM case_history h
          WHERE case_id = ANY($1) AND receipt_seq > coalesce(
            (SELECT folded_seq FROM case_views v WHERE v.case_id = h.case_id), 0)
          ORDER BY case_id, receipt_seq`,
        [ids],
      );
      const newByCase = new Map<string, HistoryRow[]>();
      for (const row of fresh) newByCase.set(row.case_id, [...(newByCase.get(row.case_id) ?? []), row]);
      const settingsByContract = await this.settings.effectiveForAll(
        manager,
        stored.map((row) => row.state.contractId).filter((id): id is string => id !== undefined),
      );
      const records: ViewRecord[] = [];
      for (const caseId of ids) {
        const rows = newByCase.get(caseId) ?? [];
        const previous = byCase.get(caseId);
        if (rows.length === 0 && previous) continue;
        const events = rows
          .map(historyEventOf)
          .sort((a, b) => compareFoldPosition(positionOf(a), positionOf(b)));
        let state: CaseState;
        if (previous && (events.length === 0 || foldsAfter(previous.state, events[0]))) {
          state = previous.state;
          for (const event of events) state = evolveCase(state, event);
        } else {
          // an event that sorts before what was folded (another topic was late): fold the case again
          state = foldCase(caseId, (await this.history.rowsOf(caseId, manager)).map(historyEventOf));
        }
        const foldedSeq = Math.max(previous?.folded_seq ?? 0, ...rows.map((row) => row.receipt_seq ?? 0));
        const settings =
          (state.contractId && settingsByContract.get(state.contractId)) ||
          (await this.settings.effectiveFor(manager, state.contractId));
        records.push({ state, view: caseViewOf(state, settings), foldedSeq });
      }
      await writeViews(manager, records);
    });
  }

  /** Refolds one case from its history (and creates its view if it has none). */
  async refresh(caseId: string): Promise<CaseView> {
    return this.dataSource.transaction(async (manager) => {
      // the case's head row keeps its writers (consumer, projector) out until this commits
      await manager.query('SELECT 1 FROM case_heads WHERE case_id = $1 FOR UPDATE', [caseId]);
      const rows = await this.history.rowsOf(caseId, manager);
      const state = foldCase(caseId, rows.map(historyEventOf));
      const view = caseViewOf(state, await this.settings.effectiveFor(manager, state.contractId));
      const foldedSeq = Math.max(0, ...rows.map((row) => row.receipt_seq ?? 0));
      await writeViews(manager, [{ state, view, foldedSeq }]);
      await manager.query('UPDATE case_heads SET dirty = false WHERE case_id = $1', [caseId]);
      return view;
    });
  }

  /** Recomputes the stored columns of a contract's cases (after its clock settings changed). */
  async recomputeContract(contractId: string, manager: EntityManager): Promise<number> {
    const settings = await this.settings.effectiveFor(manager, contractId);
    const rows: { state: CaseState; folded_seq: number }[] = await manager.query(
      'SELECT state, folded_seq FROM case_views WHERE contract_id = $1 FOR UPDATE',
      [contractId],
    );
    const records = rows.map((row) => ({
      state: row.state,
      view: caseViewOf(row.state, settings),
      foldedSeq: row.folded_seq,
    }));
    for (let start = 0; start < records.length; start += 1_000) {
      await writeViews(manager, records.slice(start, start + 1_000));
    }
    return records.length;
  }

  /**
   * The replay: in one transaction, empties `case_views` and folds every case again from
   * `case_history`, read in case order through a cursor. Consumers of the live stream wait for it
   * (TRUNCATE locks the table), so the switch is atomic. Returns what it did.
   */
  async rebuild(
    options: { batchRows?: number; onProgress?: (events: number) => void } = {},
  ): Promise<RebuildResult> {
    const started = performance.now();
    const batchRows = options.batchRows ?? 20_000;
    let cases = 0;
    let events = 0;
    await this.dataSource.transaction(async (manager) => {
      await manager.query('TRUNCATE case_views');
      const overrides = await this.settings.loadAll(manager);
      const settingsCache = new Map<string, EffectiveClockSettings>();
      const settingsFor = (contractId: string | undefined): EffectiveClockSettings => {
        const key = contractId ?? '';
        let found = settingsCache.get(key);
        if (!found) {
          found = this.settings.effective(
            (contractId && overrides.get(contractId)) || ({} as ClockSettingsOverrides),
          );
          settingsCache.set(key, found);
        }
        return found;
      };
      await manager.query(
        `DECLARE rebuild_cursor NO SCROLL CURSOR FOR
           SELECT ${HISTORY_COLUMNS} FROM case_history ORDER BY case_id, occurred_at`,
      );
      let pending: ViewRecord[] = [];
      let currentCase: string | undefined;
      let currentEvents: HistoryEvent[] = [];
      let currentSeq = 0;
      const finishCase = () => {
        if (currentCase === undefined) return;
        const state = foldCase(currentCase, currentEvents);
        pending.push({
          state,
          view: caseViewOf(state, settingsFor(state.contractId)),
          foldedSeq: currentSeq,
        });
        cases += 1;
      };
      // Pipelined on the one connection: the next FETCH is on its way while this batch is folded, and
      // the view writes queue behind it (the connection runs them in order; awaited at the end).
      const fetch = (): Promise<HistoryRow[]> =>
        manager.query(`FETCH FORWARD ${batchRows} FROM rebuild_cursor`);
      const writes: Promise<void>[] = [];
      let next: Promise<HistoryRow[]> | undefined = fetch();
      while (next) {
        const rows: HistoryRow[] = await next;
        next = rows.length === batchRows ? fetch() : undefined;
        for (const row of rows) {
          if (row.case_id !== currentCase) {
            finishCase();
            currentCase = row.case_id;
            currentEvents = [];
            currentSeq = 0;
          }
          currentEvents.push(historyEventOf(row));
          currentSeq = Math.max(currentSeq, row.receipt_seq ?? 0);
        }
        events += rows.length;
        options.onProgress?.(events);
        if (pending.length >= 500) {
          const write = writeViews(manager, pending);
          write.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
          writes.push(write);
          pending = [];
        }
      }
      finishCase();
      writes.push(writeViews(manager, pending));
      await Promise.all(writes);
      await manager.query('CLOSE rebuild_cursor');
    });
    return { cases, events, ms: performance.now() - started };
  }
}
