import { describe, expect, it } from 'vitest';
import type { CampaignProgress } from './campaigns.js';
import { figuresOf, isSettled, progressLine, progressPage } from './progress-view.js';

const progress = (over: Partial<CampaignProgress> = {}, tally: Partial<CampaignProgress['tally']> = {}) =>
  ({
    campaignId: 'c1',
    caseId: 'case-1',
    instructionId: 'i1',
    templateId: 't1',
    templateRevision: 2,
    status: 'running',
    personsTotal: 2000,
    emailTotal: 2000,
    tally: {
      queued: 760,
      sending: 0,
      deferred: 0,
      sent: 1236,
      failed: 3,
      bounced: 1,
      cancelled: 0,
      byLetter: 0,
      byPhone: 0,
      byPublicNotice: 0,
      personsReached: 1236,
      ...tally,
    },
    ratePerSecond: 12.3,
    estimatedFinishAt: '2026-11-26T09:41:00.000Z',
    startedAt: '2026-11-26T09:00:00.000Z',
    finishedAt: null,
    ...over,
  }) as CampaignProgress;

describe('campaign progress for people', () => {
  it('counts sent, failed and bounced e-mails as settled', () => {
    expect(figuresOf(progress())).toEqual({ settled: 1240, total: 2000, percent: 62 });
    expect(figuresOf(progress({ emailTotal: 0 }, { sent: 0, failed: 0, bounced: 0 })).percent).toBe(100);
  });

  it('draws a bar with the share, the counts, the rate and the estimated finish', () => {
    const line = progressLine(progress(), 10);
    expect(line).toBe(
      '[██████░░░░]  62%  1,240/2,000 e-mails · 12.3/s · done ≈ 09:41 UTC · failed 3 · bounced 1 · running',
    );
  });

  it('stops following a completed or cancelled campaign, not a paused one', () => {
    expect(isSettled(progress({ status: 'completed' }))).toBe(true);
    expect(isSettled(progress({ status: 'cancelled' }))).toBe(true);
    expect(isSettled(progress({ status: 'paused' }))).toBe(false);
  });

  it('renders the page with a labelled progress element that reloads only while the campaign can move', () => {
    const running = progressPage(progress());
    expect(running).toContain('<progress id="campaign-progress" max="2000" value="1240">');
    expect(running).toContain('<label for="campaign-progress">');
    expect(running).toContain('http-equiv="refresh"');
    expect(progressPage(progress({ status: 'completed' }))).not.toContain('http-equiv="refresh"');
  });
});
