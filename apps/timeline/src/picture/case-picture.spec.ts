import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CaseScript } from '../../test/support.js';
import { DEFAULT_CLOCK_CONFIG, DEFAULT_CONTRACT_CLOCK_SETTINGS } from '../clocks/index.js';
import { foldCase } from '../projection/case-state.js';
import { caseViewOf } from '../projection/case-view.js';
import { describeSpan, escapeXml, jst, renderCasePicture, renderPicturePage } from './case-picture.js';

const settings = { contract: DEFAULT_CONTRACT_CLOCK_SETTINGS, config: DEFAULT_CLOCK_CONFIG };

describe('the case picture', () => {
  const script = new CaseScript(randomUUID(), randomUUID(), new Date('2026-11-02T01:00:00Z'));
  script.report({ discoveredAt: '2026-11-02T00:00:00.000Z' });
  script.firstNotice(0, '2026-11-03T06:00:00.000Z');
  const view = caseViewOf(
    foldCase(
      script.caseId,
      script.events.map((e) => ({ ...e, recordedAt: e.occurredAt, sourceTopic: e.topic })),
    ),
    settings,
  );
  const now = new Date('2026-11-04T00:00:00Z');

  it('draws every stage and clock with their state in words, in Tokyo time, without scripts', () => {
    const svg = renderCasePicture(view, now);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/<script|href=|url\((?!#hatch)/i);
    for (const label of ['Reported', 'Client notified', 'Closed', 'Prompt report to the client', 'Legend']) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain('met LATE by 6 h · due 2026-11-03 09:00');
    expect(svg).toContain('as of 2026-11-04 09:00 JST');
  });

  it('escapes text and words spans and times', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(describeSpan(26 * 3_600_000 + 5 * 60_000)).toBe('1 d 2 h');
    expect(describeSpan(65 * 60_000)).toBe('1 h 5 min');
    expect(jst('2026-12-31T15:30:00Z')).toBe('2027-01-01 00:30');
  });

  it('the page embeds the picture and lists what comes next and how each due date was computed', () => {
    const html = renderPicturePage(view, now);
    expect(html).toContain('<svg');
    expect(html).toContain('Expected next');
    expect(html).toContain('contract Art. 16(1) prompt report');
  });
});
