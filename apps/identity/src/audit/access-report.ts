import type { ActorReads, AnalysisResult, Finding, Period } from './findings.js';

/** The analysis of one period as auditors download it. Identifiers and counts only. */
export interface AccessReport {
  readonly period: { readonly from: string; readonly to: string };
  readonly generatedAt: string;
  readonly sources: readonly string[];
  /** listed schemas without an access log: the report does not cover them */
  readonly missingSources: readonly string[];
  readonly totals: AnalysisResult['totals'];
  readonly readsPerActor: readonly ActorReads[];
  readonly findings: readonly ReportFinding[];
}

export interface ReportFinding {
  readonly id: string;
  readonly kind: Finding['kind'];
  readonly actorId: string | null;
  readonly clientIp: string | null;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly detectedAt: string;
  readonly count: number;
  readonly threshold: number;
  readonly exports: number;
  readonly services: readonly string[];
}

export function buildReport(
  period: Period,
  now: Date,
  sources: { present: readonly string[]; missing: readonly string[] },
  result: AnalysisResult,
): AccessReport {
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    generatedAt: now.toISOString(),
    sources: sources.present,
    missingSources: sources.missing,
    totals: result.totals,
    readsPerActor: result.readsPerActor,
    findings: result.findings.map((finding) => ({
      id: finding.id,
      kind: finding.kind,
      actorId: finding.actorId ?? null,
      clientIp: finding.clientIp ?? null,
      windowStart: finding.windowStart.toISOString(),
      windowEnd: finding.windowEnd.toISOString(),
      detectedAt: finding.detectedAt.toISOString(),
      count: finding.count,
      threshold: finding.threshold,
      exports: finding.exports,
      services: finding.services,
    })),
  };
}

const CSV_COLUMNS = [
  'section',
  'kind',
  'actor_id',
  'client_ip',
  'roles',
  'count',
  'reads',
  'distinct_cases',
  'exports',
  'threshold',
  'window_start',
  'window_end',
  'detected_at',
  'services',
  'finding_id',
] as const;

/**
 * A cell as RFC 4180 wants it, and safe to open in a spreadsheet: text that a spreadsheet would run
 * as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The report as one CSV table: a `period` row, one `reads` row per actor, one `finding` row per finding
 * (columns that do not apply are empty). CRLF line ends (RFC 4180).
 */
export function reportToCsv(report: AccessReport): string {
  const rows: Array<Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>> = [
    {
      section: 'period',
      window_start: report.period.from,
      window_end: report.period.to,
      count: report.totals.requests,
      detected_at: report.generatedAt,
      services: report.sources.join(' '),
    },
    ...report.readsPerActor.map((reads) => ({
      section: 'reads',
      actor_id: reads.actorId,
      roles: reads.roles.join(' '),
      reads: reads.reads,
      distinct_cases: reads.distinctCases,
      exports: reads.exports,
      services: reads.services.join(' '),
    })),
    ...report.findings.map((finding) => ({
      section: 'finding',
      kind: finding.kind,
      actor_id: finding.actorId,
      client_ip: finding.clientIp,
      count: finding.count,
      exports: finding.exports,
      threshold: finding.threshold,
      window_start: finding.windowStart,
      window_end: finding.windowEnd,
      detected_at: finding.detectedAt,
      services: finding.services.join(' '),
      finding_id: finding.id,
    })),
  ];
  const lines = [
    CSV_COLUMNS.join(','),
    ...rows.map((row) => CSV_COLUMNS.map((column) => csvCell(row[column] ?? null)).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
