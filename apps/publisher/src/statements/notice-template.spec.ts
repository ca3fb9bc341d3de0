import { describe, expect, it } from 'vitest';
import { noticeTemplateHash } from '#libs/contracts';
import { noticeTemplateOf } from './notice-template.js';
import { type DocumentContent, sanitizeContent } from './sections.js';

const content = (): DocumentContent =>
  sanitizeContent('subject_notice', {
    ja: {
      title: '個人情報の漏えいに関する<b>お知らせ</b>',
      overview: '<p>{{name}} 様</p><p>顧客名簿が誤送信されました。</p>',
      dataItems: '<ul><li>氏名</li><li>メールアドレス</li></ul><p>{{items}}</p>',
      cause: '<p>宛先の自動補完。</p>',
      secondaryDamage: '',
      whatYouCanDo: '<p>不審なメールにご注意ください &amp; ご相談ください。</p>',
      contact: '<p>窓口：0120-000-000</p>',
    },
    en: {
      title: 'Notice about your personal information',
      overview: '<p>Dear {{name}},</p><p>A customer list was mailed to a wrong recipient.</p>',
      dataItems: '<p>Of these, the following concern you:</p><p>{{items}}</p>',
      cause: '<p>Address autocomplete.</p>',
      secondaryDamage: '<p>None confirmed.</p>',
      whatYouCanDo: '<p>Beware of <a href="https://example.jp">phishing</a>.</p>',
      contact: '<p>Desk: 0120-000-000</p>',
    },
  });

describe('the notice template of an approved subject_notice revision', () => {
  it('takes the title as the subject and the other sections, headed, as plain-text body with the placeholders kept', () => {
    const template = noticeTemplateOf(content());
    expect(template.subjectJa).toBe('個人情報の漏えいに関するお知らせ');
    expect(template.subjectEn).toBe('Notice about your personal information');
    expect(template.bodyJa).toBe(
      [
        '概要\n{{name}} 様\n顧客名簿が誤送信されました。',
        '漏えい等が発生した（おそれのある）情報\n・氏名\n・メールアドレス\n{{items}}',
        '原因\n宛先の自動補完。',
        'お願いしたいこと\n不審なメールにご注意ください & ご相談ください。',
        'お問い合わせ窓口\n窓口：0120-000-000',
      ].join('\n\n'),
    );
    // an empty section is left out with its heading; no tag survives
    expect(template.bodyJa).not.toContain('二次被害');
    expect(template.bodyEn).toContain('Possible secondary damage\nNone confirmed.');
    expect(template.bodyEn).toContain('What you can do\nBeware of phishing.');
    expect(template.bodyEn.startsWith('What happened\nDear {{name}},\n')).toBe(true);
    expect(`${template.bodyJa}${template.bodyEn}`).not.toMatch(/[<>]/);
  });

  it('is deterministic, and any change of an approved word changes its hash', () => {
    const hash = noticeTemplateHash(noticeTemplateOf(content()));
    expect(noticeTemplateHash(noticeTemplateOf(content()))).toBe(hash);
    const edited = content();
    edited.en.cause = '<p>Address autocompletion.</p>';
    expect(noticeTemplateHash(noticeTemplateOf(edited))).not.toBe(hash);
  });
});
