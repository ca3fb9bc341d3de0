import { createHash } from 'node:crypto';
import { type OffHours, offHoursPeriodOf } from './off-hours.js';

/** One access record as the analysis reads it from a service's access log. */
export interface AccessEntry {
  readonly at: Date;
  readonly service: string;
  readonly actorId: string | null;
  readonly actorType: string;
  readonly roles: readonly string[];
  readonly claimedAccount: string | null;
  readonly caseId: string | null;
  readonly ip: string | null;
  readonly outcome: 'allowed' | 'denied' | 'error';
  readonly kind: 'case_read' | 'case_write' | 'export' | 'auth' | 'other';
}

export const ANOMALY_KINDS = [
  'bulk_read',
  'repeated_denials_from_address',
  'repeated_denials_for_account',
  'off_hours_access',
] as const;
export type AnomalyKindName = (typeof ANOMALY_KINDS)[number];

/** A pattern worth a human look. Counts and identifiers only. */
export interface Finding {
  /** stable: the same crossing of the same threshold always gets the same id */
  readonly id: string;
  readonly kind: AnomalyKindName;
  /** the account (user id or `token:<id>`), for account findings */
  readonly actorId?: string;
  /** the client address, for address findings */
  readonly clientIp?: string;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  /** when the threshold was crossed (off-hours: the first access of the night) */
  readonly detectedAt: Date;
  /** peak distinct cases + exports (bulk read), denials (repeated denials), requests (off hours) */
  readonly count: number;
  readonly threshold: number;
  readonly exports: number;
  readonly services: readonly string[];
}

/** Reads of case data by one actor in the period. */
export interface ActorReads {
  readonly actorId: string;
  readonly actorType: string;
  readonly roles: readonly string[];
  readonly reads: number;
  readonly distinctCases: number;
  readonly exports: number;
  readonly services: readonly string[];
}

export interface AnalysisRules {
  /** a bulk read is more than this many distinct cases + exports in one hour by one actor */
  readonly bulkReadThreshold: number;
  /** repeated denials are more than this many in ten minutes from one address or for one account */
  readonly denialThreshold: number;
  readonly offHours?: OffHours;
}

export interface Period {
  readonly from: Date;
  readonly to: Date;
}

export interface AnalysisResult {
  readonly readsPerActor: ActorReads[];
  readonly findings: Finding[];
  readonly totals: { readonly requests: number; readonly denied: number; readonly errors: number };
}

export const BULK_READ_WINDOW_MS = 60 * 60_000;
export const DENIAL_WINDOW_MS = 10 * 60_000;

/**
 * Analyses the access records of a period. `entries` must be sorted by time and may start before
 * `period.from` (up to {@link lookbackMs}): a finding belongs to the period in which its threshold was
 * crossed, so consecutive periods report each finding exactly once, including bursts that straddle a
 * period boundary.
 */
export function analyseAccess(
  entries: readonly AccessEntry[],
  period: Period,
  rules: AnalysisRules,
): AnalysisResult {
  const inPeriod = (at: Date) => at >= period.from && at < period.to;
  const current = entries.filter((entry) => inPeriod(entry.at));
  const findings = [
    ...bulkReads(entries, rules.bulkReadThreshold),
    ...repeatedDenials(entries, rules.denialThreshold, 'repeated_denials_from_address', (entry) => entry.ip),
    ...repeatedDenials(
      entries,
      rules.denialThreshold,
      'repeated_denials_for_account',
      (entry) => entry.actorId ?? entry.claimedAccount,
    ),
    ...(rules.offHours ? offHoursAccess(entries, rules.offHours) : []),
  ].filter((finding) => inPeriod(finding.detectedAt));
  findings.sort((a, b) => a.detectedAt.getTime() - b.detectedAt.getTime() || a.id.localeCompare(b.id));
  return {
    readsPerActor: readsPerActor(current),
    findings,
    totals: {
      requests: current.length,
      denied: current.filter((entry) => entry.outcome === 'denied').length,
      errors: current.filter((entry) => entry.outcome === 'error').length,
    },
  };
}

/** How far before `from` the analysis must read to see every window that ends in the period. */
export function lookbackMs(rules: AnalysisRules): number {
  const night = rules.offHours
    ? ((rules.offHours.endMinute - rules.offHours.startMinute + 1440) % 1440) * 60_000
    : 0;
  return Math.max(BULK_READ_WINDOW_MS, DENIAL_WINDOW_MS, night);
}

export function findingId(kind: AnomalyKindName, subject: string, detectedAt: Date): string {
  return createHash('sha256')
    .update(`${kind}|${subject}|${detectedAt.toISOString()}`)
    .digest('hex')
    .slice(0, 32);
}

const isCaseDataRead = (entry: AccessEntry) =>
  entry.outcome === 'allowed' && (entry.kind === 'case_read' || entry.kind === 'export');

function readsPerActor(entries: readonly AccessEntry[]): ActorReads[] {
  const byActor = new Map<
    string,
    { sample: AccessEntry; reads: number; cases: Set<string>; exports: number; services: Set<string> }
  >();
  for (const entry of entries) {
    if (!isCaseDataRead(entry)) continue;
    const key = entry.actorId ?? 'anonymous';
    let summary = byActor.get(key);
    if (!summary) {
      summary = { sample: entry, reads: 0, cases: new Set(), exports: 0, services: new Set() };
      byActor.set(key, summary);
    }
    if (entry.kind === 'export') summary.exports++;
    else summary.reads++;
    if (entry.caseId) summary.cases.add(entry.caseId);
    summary.services.add(entry.service);
  }
  return [...byActor.entries()]
    .map(([actorId, summary]) => ({
      actorId,
      actorType: summary.sample.actorType,
      roles: summary.sample.roles,
      reads: summary.reads,
      distinctCases: summary.cases.size,
      exports: summary.exports,
      services: [...summary.services].sort(),
    }))
    .sort(
      (a, b) =>
        b.distinctCases + b.exports - (a.distinctCases + a.exports) || a.actorId.localeCompare(b.actorId),
    );
}

/** An item of a sliding-window count: counted once per distinct key, or once each without a key. */
interface WindowItem {
  readonly at: Date;
  readonly service: string;
  readonly distinctKey?: string;
}

interface Burst {
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly detectedAt: Date;
  readonly peak: number;
  /** items without a distinct key at the peak (exports) */
  readonly peakPlain: number;
  readonly services: string[];
}

/**
 * Episodes in which the count over a sliding window (`at - windowMs`, `at`] exceeded `threshold`:
 * one per uninterrupted run of exceeding windows, detected at the item that first crossed it.
 */
function bursts(items: readonly WindowItem[], windowMs: number, threshold: number): Burst[] {
  const result: Burst[] = [];
  const keys = new Map<string, number>();
  let plain = 0;
  let left = 0;
  let open: { start: number; detected: number; end: number; peak: number; peakPlain: number } | undefined;
  const close = () => {
    if (!open) return;
    const services = new Set(items.slice(open.start, open.end + 1).map((item) => item.service));
    result.push({
      windowStart: items[open.start].at,
      windowEnd: items[open.end].at,
      detectedAt: items[open.detected].at,
      peak: open.peak,
      peakPlain: open.peakPlain,
      services: [...services].sort(),
    });
    open = undefined;
  };
  for (let right = 0; right < items.length; right++) {
    const item = items[right];
    if (item.distinctKey === undefined) plain++;
    else keys.set(item.distinctKey, (keys.get(item.distinctKey) ?? 0) + 1);
    while (item.at.getTime() - items[left].at.getTime() >= windowMs) {
      const leaving = items[left++];
      if (leaving.distinctKey === undefined) plain--;
      else {
        const remaining = (keys.get(leaving.distinctKey) ?? 1) - 1;
        if (remaining === 0) keys.delete(leaving.distinctKey);
        else keys.set(leaving.distinctKey, remaining);
      }
    }
    const value = keys.size + plain;
    if (value > threshold) {
      if (!open) open = { start: left, detected: right, end: right, peak: value, peakPlain: plain };
      else {
        open.end = right;
        if (value > open.peak) {
          open.peak = value;
          open.peakPlain = plain;
        }
      }
    } else close();
  }
  close();
  return result;
}

function groupBy<K>(
  entries: readonly AccessEntry[],
  keyOf: (entry: AccessEntry) => K | undefined,
): Map<K, AccessEntry[]> {
  const groups = new Map<K, AccessEntry[]>();
  for (const entry of entries) {
    const key = keyOf(entry);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  return groups;
}

function bulkReads(entries: readonly AccessEntry[], threshold: number): Finding[] {
  const reads = entries.filter((entry) => isCaseDataRead(entry) && entry.actorId !== null);
  const findings: Finding[] = [];
  for (const [actorId, own] of groupBy(reads, (entry) => entry.actorId ?? undefined)) {
    const items = own
      .filter((entry) => entry.kind === 'export' || entry.caseId !== null)
      .map((entry) => ({
        at: entry.at,
        service: entry.service,
        distinctKey: entry.kind === 'export' ? undefined : (entry.caseId ?? undefined),
      }));
    for (const burst of bursts(items, BULK_READ_WINDOW_MS, threshold)) {
      findings.push({
        id: findingId('bulk_read', actorId, burst.detectedAt),
        kind: 'bulk_read',
        actorId,
        windowStart: burst.windowStart,
        windowEnd: burst.windowEnd,
        detectedAt: burst.detectedAt,
        count: burst.peak,
        threshold,
        exports: burst.peakPlain,
        services: burst.services,
      });
    }
  }
  return findings;
}

function repeatedDenials(
  entries: readonly AccessEntry[],
  threshold: number,
  kind: 'repeated_denials_from_address' | 'repeated_denials_for_account',
  subjectOf: (entry: AccessEntry) => string | null,
): Finding[] {
  const denials = entries.filter((entry) => entry.outcome === 'denied');
  const findings: Finding[] = [];
  for (const [subject, own] of groupBy(denials, (entry) => subjectOf(entry) ?? undefined)) {
    const items = own.map((entry) => ({ at: entry.at, service: entry.service }));
    for (const burst of bursts(items, DENIAL_WINDOW_MS, threshold)) {
      findings.push({
        id: findingId(kind, subject, burst.detectedAt),
        kind,
        ...(kind === 'repeated_denials_from_address' ? { clientIp: subject } : { actorId: subject }),
        windowStart: burst.windowStart,
        windowEnd: burst.windowEnd,
        detectedAt: burst.detectedAt,
        count: burst.peak,
        threshold,
        exports: 0,
        services: burst.services,
      });
    }
  }
  return findings;
}

/** One finding per account and off-hours night in which it was active, at its first access. */
function offHoursAccess(entries: readonly AccessEntry[], window: OffHours): Finding[] {
  const nights = groupBy(entries, (entry) => {
    if (entry.actorId === null) return undefined;
    const night = offHoursPeriodOf(entry.at, window);
    return night === undefined ? undefined : `${entry.actorId}|${night}`;
  });
  return [...nights.values()].map((own) => {
    const first = own[0];
    const actorId = first.actorId as string;
    return {
      id: findingId('off_hours_access', actorId, first.at),
      kind: 'off_hours_access' as const,
      actorId,
      windowStart: first.at,
      windowEnd: own[own.length - 1].at,
      detectedAt: first.at,
      count: own.length,
      threshold: 0,
      exports: 0,
      services: [...new Set(own.map((entry) => entry.service))].sort(),
    };
  });
}
