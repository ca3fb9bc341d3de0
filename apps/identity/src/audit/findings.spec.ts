import { describe, expect, it } from 'vitest';
import { type AccessEntry, type AnalysisRules, analyseAccess } from './findings.js';
import { offHoursPeriodOf, parseOffHours } from './off-hours.js';

const T0 = new Date('2026-11-25T03:00:00Z'); // 12:00 in Tokyo
const at = (ms: number) => new Date(T0.getTime() + ms);
const caseId = (n: number) => `0190a5b2-0000-7000-8000-${String(n).padStart(12, '0')}`;
const rules: AnalysisRules = { bulkReadThreshold: 50, denialThreshold: 10 };

const read = (ms: number, n: number, actorId = 'user-a'): AccessEntry => ({
  at: at(ms),
  service: 'intake',
  actorId,
  actorType: 'user',
  roles: ['responder'],
  claimedAccount: null,
  caseId: caseId(n),
  ip: '10.0.0.1',
  outcome: 'allowed',
  kind: 'case_read',
});

const failedLogin = (ms: number, ip = '203.0.113.9', claimedAccount: string | null = null): AccessEntry => ({
  at: at(ms),
  service: 'identity',
  actorId: null,
  actorType: 'anonymous',
  roles: [],
  claimedAccount,
  caseId: null,
  ip,
  outcome: 'denied',
  kind: 'auth',
});

const wholeDay = { from: at(-3_600_000), to: at(86_400_000) };

describe('analyseAccess', () => {
  it('finds one bulk read when an account reads 200 cases in a minute, crossed at the 51st case', () => {
    const entries = Array.from({ length: 200 }, (_, i) => read(i * 300, i));
    const { findings, readsPerActor } = analyseAccess(entries, wholeDay, rules);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'bulk_read', actorId: 'user-a', count: 200, threshold: 50 });
    expect(findings[0].detectedAt).toEqual(at(50 * 300));
    expect(readsPerActor).toEqual([
      expect.objectContaining({
        actorId: 'user-a',
        reads: 200,
        distinctCases: 200,
        exports: 0,
        services: ['intake'],
      }),
    ]);
  });

  it('does not count the same case twice, nor reads spread over more than an hour', () => {
    const sameCase = Array.from({ length: 200 }, (_, i) => read(i * 300, 7));
    const spread = Array.from({ length: 100 }, (_, i) => read(i * 2 * 60_000, i, 'user-b'));
    expect(
      analyseAccess(
        [...sameCase, ...spread].sort((a, b) => +a.at - +b.at),
        wholeDay,
        rules,
      ).findings,
    ).toEqual([]);
  });

  it('reports a burst straddling two periods once, in the period where the threshold was crossed', () => {
    const entries = Array.from({ length: 60 }, (_, i) => read(i * 1000, i));
    const boundary = at(30_000);
    const first = analyseAccess(entries, { from: at(-60_000), to: boundary }, rules).findings;
    const second = analyseAccess(entries, { from: boundary, to: at(3_600_000) }, rules).findings;
    expect(first).toEqual([]);
    expect(second).toHaveLength(1);
    expect(second[0].detectedAt).toEqual(at(50_000));
  });

  it('finds repeated denials from one address and for one account', () => {
    const entries = Array.from({ length: 20 }, (_, i) => failedLogin(i * 1000, '203.0.113.9', 'user-victim'));
    const { findings } = analyseAccess(entries, wholeDay, rules);
    expect(findings.map((f) => [f.kind, f.clientIp ?? f.actorId, f.count])).toEqual(
      expect.arrayContaining([
        ['repeated_denials_from_address', '203.0.113.9', 20],
        ['repeated_denials_for_account', 'user-victim', 20],
      ]),
    );
    expect(findings).toHaveLength(2);
    // Ten denials are the threshold, not above it.
    expect(analyseAccess(entries.slice(0, 10), wholeDay, rules).findings).toEqual([]);
  });

  it('finds access at off-hours once per account and night', () => {
    const offHours = parseOffHours('22:00-06:00', 'Asia/Tokyo');
    expect(offHours).toBeDefined();
    const night = new Date('2026-11-25T14:30:00Z'); // 23:30 in Tokyo
    const entries = [
      read(0, 1),
      { ...read(0, 2), at: night },
      { ...read(0, 3), at: new Date('2026-11-25T20:00:00Z') },
    ];
    const { findings } = analyseAccess(entries, wholeDay, { ...rules, offHours });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: 'off_hours_access',
      actorId: 'user-a',
      count: 2,
      detectedAt: night,
    });
  });
});

describe('off-hours windows', () => {
  it('names a night by the local date it began, across midnight', () => {
    const window = parseOffHours('22:00-06:00', 'Asia/Tokyo');
    if (!window) throw new Error('unparsed');
    expect(offHoursPeriodOf(new Date('2026-11-25T13:00:00Z'), window)).toBe('2026-11-25'); // 22:00 JST
    expect(offHoursPeriodOf(new Date('2026-11-25T20:59:00Z'), window)).toBe('2026-11-25'); // 05:59 JST next day
    expect(offHoursPeriodOf(new Date('2026-11-25T21:00:00Z'), window)).toBeUndefined(); // 06:00 JST
    expect(parseOffHours('25:00-06:00', 'Asia/Tokyo')).toBeUndefined();
    expect(parseOffHours('06:00-06:00', 'Asia/Tokyo')).toBeUndefined();
  });
});
