import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '#libs/auth';
import { EventStore, GENESIS_HASH, type VerifyResult } from '#libs/event-store';
import { CaseHistory, type HistoryRow, historyEventOf, receiptHash } from '../history/case-history.js';
import { categoryOf, summaryOf } from '../history/event-kinds.js';
import { escapeXml, jst } from '../picture/case-picture.js';
import { type CaseOverviewDto, CaseReader, overviewOf } from '../projection/case-reader.js';
import { clockStreamOf } from '../scheduler/deadline-scheduler.js';
import type { TimelineConfig } from '../timeline.config.js';
import { TIMELINE_SETTINGS } from '../tokens.js';

export interface ExportedEvent {
  receiptSeq: number | null;
  eventId: string;
  type: string;
  category: string;
  summary: string;
  occurredAt: string;
  recordedAt: string;
  receivedAt: string;
  actor: { id: string; kind: string; role?: string };
  sourceTopic: string;
  streamId: string;
  streamVersion: number;
}

export interface ExportedAccess {
  at: string;
  service: string;
  actorId: string | null;
  actorType: string;
  roles: string[];
  method: string;
  route: string;
  status: number;
  outcome: string;
  kind: string;
  ip: string | null;
  requestId: string | null;
}

/**
 * What the timeline can prove about the integrity of the case's record (docs/timeline.md):
 * - `receiptChain`: the hash chain the timeline keeps over its copy of the case's events, in the order
 *   it received them; recomputed here, so an edited, deleted or reordered row shows as a break;
 * - `streams`: per producer stream, whether the versions received run 1…n without a gap (a gap is an
 *   event the timeline never received or lost);
 * - `clockStore`: the timeline's own event store (the deadline alerts of this case), verified with the
 *   event store's verifier.
 * The producers' own hash chains are verified by each producer's store; the envelope carries no hash.
 */
export interface ExportVerification {
  ok: boolean;
  receiptChain: {
    ok: boolean;
    checked: number;
    notChained: number;
    firstBreak?: { receiptSeq: number; eventId: string };
  };
  streams: {
    sourceTopic: string;
    streamId: string;
    versions: number;
    lastVersion: number;
    missingVersions: number[];
  }[];
  clockStore: VerifyResult;
}

export interface CaseAuditExport {
  generatedAt: string;
  generatedBy: { id: string; roles: readonly string[] };
  case: CaseOverviewDto;
  events: ExportedEvent[];
  accessRecords: ExportedAccess[];
  accessLogSchemas: { read: string[]; missing: string[] };
  verification: ExportVerification;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The audit export of one case (contract Art. 15/17): every event with its actor and time, the access
 * records of the case from every service's access log, and the integrity checks, as JSON, CSV or a
 * printable HTML page. The route that serves it is marked `export` in the access log.
 */
@Injectable()
export class AuditExport {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly reader: CaseReader,
    private readonly history: CaseHistory,
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(TIMELINE_SETTINGS) private readonly config: TimelineConfig,
  ) {}

  async build(caseId: string, principal: Principal): Promise<CaseAuditExport> {
    const view = await this.reader.view(caseId, principal);
    const now = this.reader.now();
    const rows = await this.history.rowsOf(caseId);
    const { records, read, missing } = await this.accessRecords(caseId);
    return {
      generatedAt: now.toISOString(),
      generatedBy: { id: principal.id, roles: principal.roles },
      case: overviewOf(view, now),
      events: rows.map((row) => {
        const event = historyEventOf(row);
        return {
          receiptSeq: row.receipt_seq,
          eventId: event.eventId,
          type: event.type,
          category: categoryOf(event.type),
          summary: summaryOf(event),
          occurredAt: event.occurredAt,
          recordedAt: event.recordedAt,
          receivedAt: row.received_at.toISOString(),
          actor: event.actor,
          sourceTopic: event.sourceTopic,
          streamId: event.streamId,
          streamVersion: event.streamVersion,
        };
      }),
      accessRecords: records,
      accessLogSchemas: { read, missing },
      verification: await this.verify(caseId, rows),
    };
  }

  private async accessRecords(
    caseId: string,
  ): Promise<{ records: ExportedAccess[]; read: string[]; missing: string[] }> {
    const read: string[] = [];
    const missing: string[] = [];
    for (const schema of this.config.auditSourceSchemas) {
      if (!IDENTIFIER.test(schema)) continue;
      const [{ exists }] = await this.dataSource.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
        `"${schema}".access_log`,
      ]);
      (exists ? read : missing).push(schema);
    }
    if (read.length === 0) return { records: [], read, missing };
    // camel-case aliases: the rows are the exported records as they are (only `at` becomes text)
    const selects = read.map(
      (schema) => `SELECT at, service, actor_id AS "actorId", actor_type AS "actorType", roles, method, route,
                          status, outcome, kind, ip, request_id AS "requestId"
                     FROM "${schema}".access_log WHERE case_id = $1`,
    );
    const rows: (Omit<ExportedAccess, 'at'> & { at: Date })[] = await this.dataSource.query(
      `${selects.join(' UNION ALL ')} ORDER BY at`,
      [caseId],
    );
    return {
      records: rows.map((row) => ({ ...row, at: row.at.toISOString() })),
      read,
      missing,
    };
  }

  private async verify(caseId: string, rows: readonly HistoryRow[]): Promise<ExportVerification> {
    const chained = rows
      .filter((row) => row.receipt_seq !== null)
      .sort((a, b) => (a.receipt_seq ?? 0) - (b.receipt_seq ?? 0));
    let previous = GENESIS_HASH;
    let firstBreak: { receiptSeq: number; eventId: string } | undefined;
    chained.forEach((row, index) => {
      if (firstBreak) return;
      const expected = receiptHash(previous, historyEventOf(row), caseId);
      if (row.receipt_seq !== index + 1 || !row.receipt_hash || !expected.equals(row.receipt_hash)) {
        firstBreak = { receiptSeq: row.receipt_seq ?? 0, eventId: row.event_id };
      }
      previous = row.receipt_hash ?? expected;
    });
    const byStream = new Map<string, { sourceTopic: string; streamId: string; versions: number[] }>();
    for (const row of rows) {
      const key = `${row.source_topic}\u0000${row.stream_id}`;
      const entry = byStream.get(key) ?? {
        sourceTopic: row.source_topic,
        streamId: row.stream_id,
        versions: [],
      };
      entry.versions.push(row.stream_version);
      byStream.set(key, entry);
    }
    const streams = [...byStream.values()].map(({ sourceTopic, streamId, versions }) => {
      const present = new Set(versions);
      const last = Math.max(...versions);
      const missingVersions: number[] = [];
      for (let version = 1; version <= last && missingVersions.length < 100; version += 1) {
        if (!present.has(version)) missingVersions.push(version);
      }
      return { sourceTopic, streamId, versions: present.size, lastVersion: last, missingVersions };
    });
    const clockStore = await this.eventStore.verify({ streamId: clockStreamOf(caseId) });
    const receiptOk = firstBreak === undefined;
    return {
      ok: receiptOk && streams.every((stream) => stream.missingVersions.length === 0) && clockStore.ok,
      receiptChain: {
        ok: receiptOk,
        checked: chained.length,
        notChained: rows.length - chained.length,
        ...(firstBreak ? { firstBreak } : {}),
      },
      streams,
      clockStore,
    };
  }
}

/** A CSV cell (RFC 4180), with text a spreadsheet would run as a formula prefixed by `'`. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const raw = String(value);
  const safe = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const CSV_HEADER = ['section', 'at', 'id', 'what', 'actor_id', 'actor_kind', 'actor_role', 'detail'];

/** The export as one CSV table with a `section` column: case, stage, clock, event, access, verification. */
export function exportToCsv(data: CaseAuditExport): string {
  const lines: (string | number | boolean | null | undefined)[][] = [CSV_HEADER];
  const c = data.case;
  lines.push([
    'case',
    data.generatedAt,
    c.caseId,
    c.caseNumber ?? '',
    data.generatedBy.id,
    '',
    '',
    `stage ${c.stage}; contract ${c.contractId ?? ''}`,
  ]);
  for (const stage of c.stages)
    lines.push([
      'stage',
      stage.at ?? '',
      stage.eventId ?? '',
      stage.id,
      '',
      '',
      '',
      stage.reached ? 'reached' : 'not yet',
    ]);
  for (const clock of c.clocks) {
    lines.push([
      'clock',
      clock.dueAt,
      clock.id,
      clock.kind,
      '',
      '',
      '',
      `${clock.status}; lateness ${clock.latenessMs} ms; ${clock.basis}`,
    ]);
  }
  for (const event of data.events) {
    lines.push([
      'event',
      event.occurredAt,
      event.eventId,
      event.type,
      event.actor.id,
      event.actor.kind,
      event.actor.role ?? '',
      `${event.summary}; stream ${event.streamId} v${event.streamVersion}; received ${event.receivedAt}; receipt ${event.receiptSeq ?? '-'}`,
    ]);
  }
  for (const access of data.accessRecords) {
    lines.push([
      'access',
      access.at,
      access.requestId ?? '',
      `${access.method} ${access.route}`,
      access.actorId ?? '',
      access.actorType,
      access.roles.join(' '),
      `${access.service}; ${access.status} ${access.outcome}; ${access.kind}; ip ${access.ip ?? ''}`,
    ]);
  }
  const v = data.verification;
  lines.push(['verification', data.generatedAt, '', 'overall', '', '', '', v.ok ? 'ok' : 'FAILED']);
  lines.push([
    'verification',
    data.generatedAt,
    '',
    'receipt chain',
    '',
    '',
    '',
    `${v.receiptChain.ok ? 'ok' : `broken at receipt ${v.receiptChain.firstBreak?.receiptSeq} (${v.receiptChain.firstBreak?.eventId})`}; ${v.receiptChain.checked} checked; ${v.receiptChain.notChained} not chained`,
  ]);
  for (const stream of v.streams) {
    lines.push([
      'verification',
      data.generatedAt,
      stream.streamId,
      `stream ${stream.sourceTopic}`,
      '',
      '',
      '',
      stream.missingVersions.length === 0
        ? `complete 1..${stream.lastVersion}`
        : `missing versions ${stream.missingVersions.join(' ')}`,
    ]);
  }
  lines.push([
    'verification',
    data.generatedAt,
    '',
    'timeline clock store',
    '',
    '',
    '',
    v.clockStore.ok ? `ok (${v.clockStore.eventsChecked} events)` : 'FAILED',
  ]);
  return `${lines.map((line) => line.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/** The export as a printable HTML page (no scripts). */
export function exportToHtml(data: CaseAuditExport): string {
  const table = (head: string[], body: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${body
      .map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`)
      .join('\n')}</tbody></table>`;
  const c = data.case;
  const v = data.verification;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(`Audit record of case ${c.caseNumber ?? c.caseId}`)}</title>
<style>${EXPORT_STYLE}</style></head>
<body>
<h1>${escapeXml(`Audit record of case ${c.caseNumber ?? c.caseId}`)}</h1>
<p>${escapeXml(`Case ${c.caseId} · contract ${c.contractId ?? 'unknown'} · current stage ${c.stage} · generated ${jst(data.generatedAt)} JST by ${data.generatedBy.id}`)}</p>
<h2>Integrity: ${v.ok ? 'verified' : 'PROBLEMS FOUND'}</h2>
${table(
  ['check', 'result'],
  [
    [
      'receipt chain (timeline copy)',
      v.receiptChain.ok
        ? `intact, ${v.receiptChain.checked} events`
        : `broken at receipt ${v.receiptChain.firstBreak?.receiptSeq}`,
    ],
    ['events not chained', String(v.receiptChain.notChained)],
    ...v.streams.map((s) => [
      `stream ${s.streamId} (${s.sourceTopic})`,
      s.missingVersions.length === 0
        ? `complete, versions 1–${s.lastVersion}`
        : `missing ${s.missingVersions.join(', ')}`,
    ]),
    ['timeline clock store', v.clockStore.ok ? `intact, ${v.clockStore.eventsChecked} events` : 'broken'],
  ],
)}
<h2>Stages</h2>
${table(
  ['stage', 'since (JST)', 'event'],
  c.stages.map((s) => [s.label.en, s.at ? jst(s.at) : 'not yet', s.eventId ?? '']),
)}
<h2>Clocks</h2>
${table(
  ['clock', 'status', 'due (JST)', 'lateness', 'basis'],
  c.clocks.map((k) => [
    k.label.en,
    k.status,
    jst(k.dueAt),
    k.latenessMs > 0 ? `${Math.round(k.latenessMs / 60_000)} min` : '',
    k.basis,
  ]),
)}
<h2>Events (${data.events.length})</h2>
${table(
  ['occurred (JST)', 'type', 'actor', 'summary', 'event id'],
  data.events.map((e) => [
    jst(e.occurredAt),
    e.type,
    `${e.actor.id} (${e.actor.kind}${e.actor.role ? `, ${e.actor.role}` : ''})`,
    e.summary,
    e.eventId,
  ]),
)}
<h2>Access records (${data.accessRecords.length})</h2>
<p>${escapeXml(`Read from the access logs of: ${data.accessLogSchemas.read.join(', ') || 'none'}${data.accessLogSchemas.missing.length ? `; not present: ${data.accessLogSchemas.missing.join(', ')}` : ''}`)}</p>
${table(
  ['at (JST)', 'service', 'actor', 'request', 'result', 'kind'],
  data.accessRecords.map((a) => [
    jst(a.at),
    a.service,
    `${a.actorId ?? 'anonymous'} (${a.roles.join(', ')})`,
    `${a.method} ${a.route}`,
    `${a.status} ${a.outcome}`,
    a.kind,
  ]),
)}
</body></html>
`;
}

export const EXPORT_STYLE =
  "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:12px;margin:16px}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #888;padding:2px 5px;text-align:left;vertical-align:top}@page{size:A4 landscape;margin:10mm}@media print{tr{break-inside:avoid}}";
