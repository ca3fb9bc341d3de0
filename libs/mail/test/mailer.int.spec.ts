import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/platform';
import { waitFor } from '#libs/testing';
import { composeMessage } from '../src/compose.js';
import { MailConfig } from '../src/mail.config.js';
import { Mailer } from '../src/mailer.js';
import { startTestSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

/** The mailer against a real SMTP server in the test process (smtp-server), parsed with mailparser. */
let smtp: TestSmtpServer;
let mailer: Mailer;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  const { mail } = loadConfig(
    { mail: MailConfig },
    {
      env: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_TLS: 'none',
        MAIL_FROM: 'Leak Response <noreply@leak-response.test>',
      },
    },
  );
  mailer = new Mailer(mail);
});

afterAll(async () => {
  mailer?.close();
  await smtp?.close();
});

describe('Mailer', () => {
  it('delivers a bilingual message with text and HTML parts and returns its Message-ID', async () => {
    const message = composeMessage(
      ['a@example.jp', 'b@example.jp'],
      [
        [
          'ja',
          { subject: '通知のテスト', paragraphs: ['これはテストです。', '<script> はエスケープされます'] },
        ],
        ['en', { subject: 'A test notice', paragraphs: ['This is a test.'] }],
      ],
    );
    const delivery = await mailer.send(message);
    expect(delivery.accepted).toEqual(['a@example.jp', 'b@example.jp']);

    const mail = await waitFor(() => smtp.received.find((m) => m.parsed.messageId === delivery.messageId));
    expect(mail.envelopeTo).toEqual(['a@example.jp', 'b@example.jp']);
    expect(mail.parsed.subject).toBe('通知のテスト / A test notice');
    expect(mail.parsed.from?.text).toContain('noreply@leak-response.test');
    expect(mail.parsed.text).toContain('これはテストです。');
    expect(mail.parsed.text).toContain('This is a test.');
    expect(mail.parsed.html).toContain('<section lang="ja">');
    expect(mail.parsed.html).toContain('&lt;script&gt;');
    expect(mail.parsed.html).not.toContain('<script>');
    expect(mail.parsed.headers.get('content-language')).toBe('ja, en');
  });

  it('refuses a message without recipients', async () => {
    await expect(
      mailer.send(composeMessage([], [['en', { subject: 's', paragraphs: ['p'] }]])),
    ).rejects.toThrow(/at least one recipient/);
  });
});
