import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DataSource, type EntityManager } from 'typeorm';
import { assertCaseVisible, CaseNotFoundError, type Principal } from '#libs/auth';
import { ActorKind, decodeEventJson, type Envelope } from '#libs/contracts';
import { PermanentFailure } from '#libs/messaging';

export class HistoryEntryDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'IncidentReported' }) type!: string;
  @ApiProperty() streamId!: string;
  @ApiProperty() streamVersion!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty() actor!: { id: string; kind: string };
  @ApiProperty({ description: 'the event data in protobuf JSON form (sealed text stays sealed)' })
  data!: unknown;
}

const ACTOR_KINDS: Record<number, string> = {
  [ActorKind.USER]: 'user',
  [ActorKind.TOKEN]: 'token',
  [ActorKind.SYSTEM]: 'system',
};

/**
 * The per-case history every later read model is derived from. Recording is idempotent: the same
 * event delivered twice (a relay retry, a rebalance) is stored once.
 */
@Injectable()
export class CaseHistory {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Records one event inside the consumer's transaction (the inbox row commits with it). */
  async record(envelope: Envelope, topic: string, manager: EntityManager): Promise<void> {
    if (!envelope.caseId) return; // events outside a case have no place on a case timeline
    if (!envelope.occurredAt || !envelope.recordedAt || !envelope.actor) {
      throw new PermanentFailure(`event ${envelope.eventId} lacks occurredAt, recordedAt or actor`);
    }
    const { type, data } = decodeEventJson(envelope);
    await manager.query(
      `INSERT INTO case_history (event_id, case_id, stream_id, stream_version, type, occurred_at, recorded_at,
                                 actor_id, actor_kind, source_topic, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        envelope.eventId,
        envelope.caseId,
        envelope.streamId,
        envelope.streamVersion,
        type,
        timestampDate(envelope.occurredAt).toISOString(),
        timestampDate(envelope.recordedAt).toISOString(),
        envelope.actor.id,
        ACTOR_KINDS[envelope.actor.kind] ?? 'unknown',
        topic,
        JSON.stringify(data),
      ],
    );
  }

  /**
   * The case's events in the order they happened (ties: per stream, by version), for a reader who
   * may see the case: its contract is the one its `IncidentReported` event names. Until that event
   * has arrived the contract is unknown and only readers of every contract see the case.
   */
  async forCase(caseId: string, reader: Principal): Promise<HistoryEntryDto[]> {
    const rows: HistoryRow[] = await this.dataSource.query(
      `SELECT event_id, type, stream_id, stream_version, occurred_at, recorded_at, actor_id, actor_kind, data
         FROM case_history WHERE case_id = $1
        ORDER BY occurred_at, stream_id, stream_version`,
      [caseId],
    );
    if (rows.length === 0) throw new CaseNotFoundError(caseId);
    assertCaseVisible(reader, contractOf(rows), caseId);
    return rows.map((row) => ({
      eventId: row.event_id,
      type: row.type,
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      occurredAt: row.occurred_at.toISOString(),
      recordedAt: row.recorded_at.toISOString(),
      actor: { id: row.actor_id, kind: row.actor_kind },
      data: row.data,
    }));
  }
}

/** The contract named by the case's report (`IncidentReported.contractId`), if it has arrived. */
function contractOf(rows: readonly HistoryRow[]): string | undefined {
  const reported = rows.find((row) => row.type === 'IncidentReported');
  const contractId = (reported?.data as { contractId?: unknown } | undefined)?.contractId;
  return typeof contractId === 'string' ? contractId : undefined;
}

interface HistoryRow {
  event_id: string;
  type: string;
  stream_id: string;
  stream_version: number;
  occurred_at: Date;
  recorded_at: Date;
  actor_id: string;
  actor_kind: string;
  data: unknown;
}
