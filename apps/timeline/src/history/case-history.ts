import { createHash } from 'node:crypto';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DataSource, type EntityManager } from 'typeorm';
import {
  ActorKind,
  decodeEventJson,
  type Envelope,
  eventTypeOfFullName,
  MalformedEventError,
} from '#libs/contracts';
import { canonicalJson } from '#libs/event-store';
import { PermanentFailure } from '#libs/messaging';
import type { HistoryEvent } from '../projection/case-state.js';
import { categoryOf, summaryOf } from './event-kinds.js';

export class HistoryActorDto {
  @ApiProperty({ description: 'user id, `token:<id>`, or a system component such as `system:timeline`' })
  id!: string;
  @ApiProperty({ enum: ['user', 'token', 'system', 'unknown'] }) kind!: string;
  @ApiPropertyOptional({ description: 'the role the actor acted in' }) role?: string;
}

export class HistoryEntryDto {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'IncidentReported' }) type!: string;
  @ApiProperty({
    description:
      'kind of event: report, assessment, instruction, measure, client, clock, subjects, statement, closure, other',
  })
  category!: string;
  @ApiProperty({ description: 'one line without personal data' }) summary!: string;
  @ApiPropertyOptional({ description: 'the stage this event made true, if any' }) stage?: string;
  @ApiProperty() streamId!: string;
  @ApiProperty() streamVersion!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ type: HistoryActorDto }) actor!: HistoryActorDto;
  @ApiProperty({ example: 'intake.case.events.v1' }) sourceTopic!: string;
  @ApiProperty({ description: 'the event data in protobuf JSON form (sealed text stays sealed)' })
  data!: unknown;
}

export interface HistoryFilter {
  /** categories or event type names; empty: all */
  kinds?: readonly string[];
  actorId?: string;
  actorKind?: string;
}

const ACTOR_KINDS: Record<number, string> = {
  [ActorKind.USER]: 'user',
  [ActorKind.TOKEN]: 'token',
  [ActorKind.SYSTEM]: 'system',
};

/** A history row as stored. */
export interface HistoryRow {
  event_id: string;
  case_id: string;
  type: string;
  stream_id: string;
  stream_version: number;
  occurred_at: Date;
  recorded_at: Date;
  actor_id: string;
  actor_kind: string;
  actor_role: string;
  source_topic: string;
  data: Record<string, unknown> | null;
  receipt_seq: number | null;
  receipt_hash: Buffer | null;
  received_at: Date;
}

export const HISTORY_COLUMNS = `event_id, case_id::text AS case_id, type, stream_id, stream_version, occurred_at,
  recorded_at, actor_id, actor_kind, actor_role, source_topic, data, receipt_seq, receipt_hash, received_at`;

export function historyEventOf(row: HistoryRow): HistoryEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    actor: { id: row.actor_id, kind: row.actor_kind, ...(row.actor_role ? { role: row.actor_role } : {}) },
    sourceTopic: row.source_topic,
    data: row.data ?? {},
  };
}

/**
 * What the receipt chain covers of an event: everything the timeline stores about it except when it
 * arrived. `receipt_hash = SHA-256(previous receipt_hash of the case ‖ UTF-8(canonicalJson(content)))`.
 */
export function receiptContent(event: HistoryEvent, caseId: string): string {
  return canonicalJson({ caseId, ...event, actor: { ...event.actor, role: event.actor.role ?? '' } });
}

export function receiptHash(previous: Buffer, event: HistoryEvent, caseId: string): Buffer {
  return createHash('sha256').update(previous).update(receiptContent(event, caseId), 'utf8').digest();
}

/** What the timeline keeps of an event besides the history entry itself. */
export interface ReceivedEvent {
  caseId: string;
  event: HistoryEvent;
  correlationId: string;
  causationId: string;
  /** false for a type this build does not know (kept under its message name, payload kept as is) */
  decoded: boolean;
  payload: Buffer | null;
}

/**
 * The history entry of an envelope read from `topic`, or `undefined` for an event outside a case. An
 * event type this build does not know is kept under its message name with its payload, so the stages
 * of newer services light up by name and a later build can decode it.
 */
export function receivedEventOf(envelope: Envelope, topic: string): ReceivedEvent | undefined {
  if (!envelope.caseId) return undefined; // events outside a case have no place on a case timeline
  if (!envelope.occurredAt || !envelope.recordedAt || !envelope.actor) {
    throw new PermanentFailure(`event ${envelope.eventId} lacks occurredAt, recordedAt or actor`);
  }
  const known = eventTypeOfFullName(envelope.type) !== undefined;
  const { type, data } = known
    ? decodeKnown(envelope)
    : { type: envelope.type.split('.').at(-1) ?? envelope.type, data: {} };
  return {
    caseId: envelope.caseId,
    event: {
      eventId: envelope.eventId,
      type,
      streamId: envelope.streamId,
      streamVersion: envelope.streamVersion,
      occurredAt: timestampDate(envelope.occurredAt).toISOString(),
      recordedAt: timestampDate(envelope.recordedAt).toISOString(),
      actor: {
        id: envelope.actor.id,
        kind: ACTOR_KINDS[envelope.actor.kind] ?? 'unknown',
        ...(envelope.actor.role ? { role: envelope.actor.role } : {}),
      },
      sourceTopic: topic,
      data: data as Record<string, unknown>,
    },
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    decoded: known,
    payload: known ? null : Buffer.from(envelope.payload),
  };
}

/** A payload that does not decode fails the same way on every attempt: dead-letter it at once. */
function decodeKnown(envelope: Envelope): { type: string; data: unknown } {
  try {
    return decodeEventJson(envelope);
  } catch (error) {
    if (error instanceof MalformedEventError) throw new PermanentFailure(error.message);
    throw error;
  }
}

/**
 * The per-case history every read model is derived from: every event of every service that names a
 * case, kept once (by event id), with who did it and a receipt chain. Recording is idempotent.
 */
@Injectable()
export class CaseHistory {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Every event of the case, in fold order. */
  async rowsOf(caseId: string, manager: EntityManager = this.dataSource.manager): Promise<HistoryRow[]> {
    return manager.query(
      `SELECT ${HISTORY_COLUMNS} FROM case_history WHERE case_id = $1
        ORDER BY occurred_at, stream_id COLLATE "C", stream_version, event_id`,
      [caseId],
    );
  }

  /**
   * The case's events as timeline entries, filtered by kind and actor; `stageByEvent` names the stage
   * each stage-making event made true (from the case's view).
   */
  async entries(
    caseId: string,
    filter: HistoryFilter = {},
    stageByEvent: ReadonlyMap<string, string> = new Map(),
  ): Promise<HistoryEntryDto[]> {
    const rows = await this.rowsOf(caseId);
    const kinds = new Set(filter.kinds ?? []);
    return rows
      .map(historyEventOf)
      .filter((event) => kinds.size === 0 || kinds.has(event.type) || kinds.has(categoryOf(event.type)))
      .filter((event) => !filter.actorId || event.actor.id === filter.actorId)
      .filter((event) => !filter.actorKind || event.actor.kind === filter.actorKind)
      .map((event) => entryOf(event, stageByEvent));
  }
}

export function entryOf(event: HistoryEvent, stageByEvent: ReadonlyMap<string, string>): HistoryEntryDto {
  const stage = stageByEvent.get(event.eventId);
  return {
    eventId: event.eventId,
    type: event.type,
    category: categoryOf(event.type),
    summary: summaryOf(event),
    ...(stage ? { stage } : {}),
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    actor: event.actor,
    sourceTopic: event.sourceTopic,
    data: event.data,
  };
}
