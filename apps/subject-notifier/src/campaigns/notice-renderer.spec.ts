import { describe, expect, it } from 'vitest';
import { type StoredTemplate, templateContentHash } from '../templates/notice-templates.js';
import { renderNotice } from './notice-renderer.js';
import { csvField } from './outreach.js';

const template: StoredTemplate = {
  templateId: '0190a5b2-0000-7000-8000-000000000001',
  revision: 1,
  caseId: '0190a5b2-0000-7000-8000-000000000002',
  subjectJa: 'お知らせ',
  bodyJa: '{{name}} 様\n{{items}}\n以上',
  subjectEn: 'Notice for {{ name }}',
  bodyEn: 'Dear {{name}},\n{{items}}',
  approvedAt: new Date('2026-11-21T00:00:00Z'),
  approvedBy: 'officer',
  contentHash: '',
};

describe('a person’s notice', () => {
  it('fills the name and only the person’s items, in the person’s language', () => {
    const ja = renderNotice(template, { name: '山田 太郎', language: 'ja', items: ['氏名', '電話番号'] });
    expect(ja).toMatchObject({
      subject: 'お知らせ',
      text: '山田 太郎 様\n・氏名\n・電話番号\n以上',
      language: 'ja',
    });
    const en = renderNotice(template, { name: 'Ann', language: 'en', items: ['email'] });
    expect(en.subject).toBe('Notice for Ann');
    expect(en.text).toBe('Dear Ann,\n- email');
  });

  it('escapes the name and items in the HTML part', () => {
    const notice = renderNotice(template, { name: '<script>x</script>', language: 'en', items: ['a&b'] });
    expect(notice.html).not.toContain('<script>');
    expect(notice.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(notice.html).toContain('<li>a&amp;b</li>');
  });

  it('binds the template content to its hash', () => {
    const hash = templateContentHash(template);
    expect(templateContentHash({ ...template })).toBe(hash);
    expect(templateContentHash({ ...template, bodyJa: `${template.bodyJa} ` })).not.toBe(hash);
  });
});

describe('CSV fields of the exports', () => {
  it('quotes separators and neutralises formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField(null)).toBe('');
  });
});
