import { describe, expect, it } from 'vitest';
import { changedSections, contentHash, sanitizeContent, sanitizeSection } from './sections.js';

const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '<iframe src="https://evil.example/"></iframe>',
  '<p onclick="alert(1)" style="x">text</p>',
  '<svg onload=alert(1)><circle/></svg>',
  '<a href="//evil.example/x">protocol-relative</a>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '"><script>alert(1)</script>',
];

describe('sanitising rich text', () => {
  it('strips script, event handlers, javascript: links and every iframe', () => {
    for (const attack of XSS) {
      const clean = sanitizeSection('lead', attack);
      expect(clean, attack).not.toMatch(
        /<script|onerror|onclick|onload|javascript:|<iframe|<svg|style=|\/\/evil/i,
      );
    }
  });

  it('keeps paragraphs, lists, emphasis and http(s) links (marked rel=noopener)', () => {
    expect(
      sanitizeSection(
        'lead',
        '<p>One <strong>two</strong></p><ul><li>a</li></ul><a href="https://x.jp/">x</a>',
      ),
    ).toBe(
      '<p>One <strong>two</strong></p><ul><li>a</li></ul><a href="https://x.jp/" rel="noopener noreferrer nofollow">x</a>',
    );
  });

  it('keeps no tag at all in a title', () => {
    expect(sanitizeSection('title', '<b>Notice</b> <script>x</script>&')).toBe('Notice &amp;');
  });

  it('hashes the canonical content: the same text gives the same hash, an edit another', () => {
    const a = sanitizeContent('statement', { ja: { title: 'a' }, en: { title: 'b' } });
    const b = sanitizeContent('statement', { ja: { title: 'a' }, en: { title: 'b', lead: '' } });
    expect(contentHash('statement', a)).toBe(contentHash('statement', b));
    const c = sanitizeContent('statement', { ja: { title: 'a!' }, en: { title: 'b' } });
    expect(contentHash('statement', c)).not.toBe(contentHash('statement', a));
    expect(changedSections('statement', a, c)).toEqual(['ja.title']);
  });
});
