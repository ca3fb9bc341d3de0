import { describe, expect, it } from 'vitest';
import { luhnValid, scanContent, scanText } from './safety-check.js';

describe('safety check', () => {
  it('finds email addresses, Luhn-valid card numbers, My Numbers and Japanese phone numbers', () => {
    const findings = scanText(
      'Mail taro.yamada@example.co.jp, card 4111 1111 1111 1111, my number 1234-5678-9012, tel 03-1234-5678, mobile 090-1234-5678, free 0120-123-456, +81 3 1234 5678',
      'ja.lead',
    );
    expect(findings.map((f) => f.kind)).toEqual([
      'email',
      'card_number',
      'my_number',
      'phone',
      'phone',
      'phone',
      'phone',
    ]);
    expect(findings[0].masked).toBe('t***@example.co.jp');
    expect(findings[1].masked).toBe('4***********1111');
    expect(JSON.stringify(findings)).not.toContain('4111 1111 1111 1111');
  });

  it('finds the names of the affected persons whatever the spacing, masked, and ignores one-character names', () => {
    const names = ['山田 太郎', 'Jane Smith', '林'];
    const findings = scanText('お詫び：山田太郎様ほか、JANE  SMITH 様の情報が林の中で…', 'ja.lead', names);
    expect(findings.map((f) => [f.kind, f.masked])).toEqual([
      ['person_name', '山***'],
      ['person_name', 'j********'],
    ]);
    expect(findings[0].findingId).toBe(scanText('山田 太郎', 'en.lead', ['山田太郎'])[0].findingId);
    expect(scanText('no names here', 'ja.lead', names)).toEqual([]);
  });

  it('reads full-width digits (NFKC) and ignores numbers that are neither', () => {
    expect(scanText('０３－１２３４－５６７８', 'ja.contact').map((f) => f.kind)).toEqual(['phone']);
    expect(
      scanText('about 1,200 persons on 2026-11-20; 4111 1111 1111 1112 is not a card', 'en.lead'),
    ).toEqual([]);
  });

  it('gives the same finding id to the same value in any section or grouping', () => {
    const a = scanText('4111-1111-1111-1111', 'ja.lead')[0];
    const b = scanText('4111111111111111', 'en.cause')[0];
    expect(a.findingId).toBe(b.findingId);
  });

  it('checks every section of both languages, tags dropped', () => {
    const findings = scanContent('statement', {
      ja: { title: 'x', lead: '<p>連絡先 <a href="mailto:a@b.jp">a@b.jp</a></p>' },
      en: { contact: '<p>Call 03-1234-5678</p>' },
    });
    expect(findings.map((f) => `${f.section}:${f.kind}`)).toEqual(['ja.lead:email', 'en.contact:phone']);
  });

  it('Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});
