import { describe, expect, it } from 'vitest';
import { composeMessage } from '#libs/mail';
import type { OpenedReport } from '../correspondence/case-facts.js';
import {
  consultationContent,
  deadlineAlertContent,
  escalationAlertContent,
  failureAlertContent,
  type NoticeModel,
  noticeContent,
  updateContent,
} from './templates.js';

const report: OpenedReport = {
  description: { text: 'USB stick with the member list lost' },
  dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_MY_NUMBER'],
  persons: { precision: 'COUNT_PRECISION_AT_LEAST', value: '1500' },
  records: { precision: 'COUNT_PRECISION_UNKNOWN' },
  place: { site: { text: 'Osaka branch' }, medium: { erased: true } },
  circumstances: { whatHappened: { text: 'Left on a train' } },
  discoveredAt: '2026-11-20T08:30:00Z',
  reportedAt: '2026-11-20T23:45:00Z',
};

const model: NoticeModel = {
  variant: 'first',
  caseId: '0190a5b2-0000-7000-8000-000000000001',
  caseNumber: 'INC-2026-000042',
  contractTitle: '住民情報システム',
  caseUrl: 'https://console.example.jp/cases/0190a5b2-0000-7000-8000-000000000001',
  recipientName: '山田 太郎',
  report,
  assessment: undefined,
  responsible: { name: 'Sato Hanako', email: 'sato@contractor.example.jp' },
  ackUrl: 'https://notify.example.jp/acknowledgements/abc.def',
};

describe('the first notice', () => {
  it('in Japanese: the four items, counts and times in JST, erased and unknown items said so', () => {
    const content = noticeContent(model, 'ja');
    const text = content.paragraphs.join('\n\n');
    expect(content.subject).toBe('【漏えい等の報告】INC-2026-000042 住民情報システム');
    expect(text).toContain('山田 太郎 様');
    expect(text).toContain('USB stick with the member list lost');
    expect(text).toContain('氏名、個人番号（マイナンバー）');
    expect(text).toContain('本人の数: 1,500人以上');
    expect(text).toContain('記録・書類の数: 未確認');
    expect(text).toContain('拠点: Osaka branch');
    expect(text).toContain('媒体: （この事案のデータは消去されたため表示できません）');
    expect(text).toContain('発見日時: 2026-11-20 17:30（日本時間）');
    // reported just before midnight UTC: the next day in Japan
    expect(text).toContain('報告日時: 2026-11-21 08:45（日本時間）');
    expect(text).toContain('発生日時: 未確認');
    expect(text).toContain('法令上の評価: 評価中');
    expect(text).toContain('sato@contractor.example.jp');
    expect(text).toContain(model.ackUrl);
    expect(text).toContain(model.caseUrl);
  });

  it('in English, with the assessment line; the HTML part escapes the texts and links the addresses', () => {
    const content = noticeContent(
      {
        ...model,
        recipientName: 'Jane <script>',
        assessment: 'APPI report to the PPC likely required: more than 1,000 persons',
      },
      'en',
    );
    expect(content.subject).toBe('[Leak report] INC-2026-000042 住民情報システム');
    const message = composeMessage(['jane@example.jp'], [['en', content]]);
    expect(message.text).toContain('Persons: at least 1,500 persons');
    expect(message.text).toContain('Regulatory assessment: APPI report to the PPC likely required');
    expect(message.text).toContain('Medium: (erased: the data of this case was erased and cannot be shown)');
    expect(message.html).toContain('Dear Jane &lt;script&gt;,');
    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain(`<a href="${model.ackUrl}">${model.ackUrl}</a>`);
    expect(message.languages).toEqual(['en']);
  });

  it('the reminder and the escalation say what they are', () => {
    expect(noticeContent({ ...model, variant: 'reminder' }, 'en').subject).toMatch(
      /^\[Reminder: please confirm receipt\]/,
    );
    expect(noticeContent({ ...model, variant: 'escalation' }, 'ja').paragraphs[1]).toContain(
      '次順位の連絡先',
    );
  });
});

describe('messages to the responsible person and updates', () => {
  const heading = {
    caseId: model.caseId,
    caseNumber: model.caseNumber,
    contractTitle: 'C',
    caseUrl: model.caseUrl,
  };

  it('the escalation alert lists every contact with the phone number, in priority order', () => {
    const content = escalationAlertContent(
      {
        ...heading,
        notifiedSince: '2026-11-20T09:00:00Z',
        contacts: [
          { name: 'A', phone: '03-1', email: 'a@x.jp', language: 'ja', priority: 1 },
          { name: 'B', phone: null, email: 'b@x.jp', language: 'en', priority: 2 },
        ],
      },
      'en',
    );
    const text = content.paragraphs.join('\n');
    expect(text).toContain('The client has not confirmed; call them.');
    expect(text).toContain('1. A phone: 03-1 / a@x.jp\n2. B phone: none / b@x.jp');
  });

  it('an update lists each change with its new value; several are a digest', () => {
    const content = updateContent(
      {
        ...heading,
        recipientName: 'Jane',
        updates: [
          {
            type: 'amendment',
            at: '2026-11-21T00:00:00Z',
            items: [{ item: 'REPORT_ITEM_PERSONS', value: 'about 2,000 persons' }],
          },
          {
            type: 'cause',
            at: '2026-11-22T00:00:00Z',
            cause: { text: 'Unencrypted stick' },
            causedByProcessor: 'TRI_STATE_YES',
          },
        ],
      },
      'en',
    );
    expect(content.subject).toBe('[Update] INC-2026-000042 C (2 changes)');
    const text = content.paragraphs.join('\n');
    expect(text).toContain('number of persons: about 2,000 persons');
    expect(text).toContain('Unencrypted stick\nCaused by us (the contractor): yes');
  });

  it('deadline and failure alerts', () => {
    const approaching = deadlineAlertContent(
      {
        ...heading,
        event: 'approaching',
        clock: 'CLOCK_KIND_APPI_FINAL',
        dueAt: '2026-12-20T15:00:00Z',
        leadSeconds: 172_800,
      },
      'ja',
    );
    expect(approaching.subject).toBe('【期限間近】個人情報保護委員会への確報: INC-2026-000042');
    expect(approaching.paragraphs.join('\n')).toContain('期限: 2026-12-21 00:00（日本時間）（残り約48時間）');
    const missed = deadlineAlertContent(
      { ...heading, event: 'missed', clock: 'CLOCK_KIND_GDPR_SUPERVISORY_AUTHORITY' },
      'en',
    );
    expect(missed.subject).toContain('[Deadline missed]');
    const failure = failureAlertContent(
      {
        ...heading,
        failed: {
          kind: 'NOTIFICATION_KIND_FIRST_NOTICE',
          recipient: { name: 'A', phone: '03-1', email: 'a@x.jp', language: 'ja', priority: 1 },
          smtpCode: 550,
          reason: '5.1.1 mailbox unknown',
          attempts: 1,
        },
      },
      'en',
    );
    expect(failure.paragraphs.join('\n')).toContain('The first notice of case INC-2026-000042');
    expect(failure.paragraphs.join('\n')).toContain('Reason: 550 5.1.1 mailbox unknown');
    expect(failureAlertContent(heading, 'en').paragraphs[0]).toContain('has no client contacts');
  });
});

describe('the request to review a statement draft (協議)', () => {
  const consultation = {
    caseId: model.caseId,
    caseNumber: model.caseNumber,
    contractTitle: model.contractTitle,
    caseUrl: model.caseUrl,
    recipientName: 'Jane Smith',
    statementNumber: 2,
    revision: 4,
    contentHash: 'ab'.repeat(32),
    reviewUrl: `https://publisher.example.jp/cases/${model.caseId}/statements/s-1/revisions/4`,
    responsible: model.responsible,
  };

  it('names the statement, the exact revision and its hash, and links that revision, in both languages', () => {
    const en = consultationContent(consultation, 'en');
    expect(en.subject).toBe('[Please review] INC-2026-000042 statement No. 2 (revision 4)');
    const enText = en.paragraphs.join('\n');
    expect(enText).toContain('Dear Jane Smith,');
    expect(enText).toContain(`Content hash: ${'ab'.repeat(32)}`);
    expect(enText).toContain(consultation.reviewUrl);
    expect(enText).toContain('approve it or request changes');
    const ja = consultationContent({ ...consultation, recipientName: '山田 太郎' }, 'ja');
    expect(ja.subject).toBe('【公表文案のご確認のお願い】INC-2026-000042 第2報（改訂4）');
    expect(ja.paragraphs.join('\n')).toContain(consultation.reviewUrl);
    expect(ja.paragraphs[0]).toBe('山田 太郎 様');
    const { html } = composeMessage(['j@x.jp'], [['en', en]]);
    expect(html).toContain(`<a href="${consultation.reviewUrl}">`);
  });

  it('says which message found no contacts when the contract has none', () => {
    const heading = { caseId: model.caseId, contractTitle: 'T', caseUrl: model.caseUrl };
    expect(failureAlertContent({ ...heading, noContactsFor: 'consultation' }, 'en').paragraphs[0]).toContain(
      'no request to review the statement draft can be sent',
    );
  });
});
