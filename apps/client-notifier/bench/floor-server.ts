/**
 * The floor of `npm run bench:notify`, run as its own process: an HTTP handler that, for each report it
 * receives, writes the same first notice (the same template, one message per contact in the contact's
 * language) and sends it directly with nodemailer (the same pooled transport settings) before answering.
 * No database, no Kafka, no record: the fastest a report can become an accepted e-mail on this machine.
 *
 * Environment: FLOOR_PORT, SMTP_PORT, SMTP_POOL_SIZE, FLOOR_CONTACTS (JSON [{ name, email, language }]).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { composeMessage, MailConfig, Mailer } from '#libs/mail';
import { loadConfig } from '#libs/platform';
import type { OpenedReport } from '../src/correspondence/case-facts.js';
import { noticeContent } from '../src/mail/templates.js';

interface Contact {
  readonly name: string;
  readonly email: string;
  readonly language: 'ja' | 'en';
}

const contacts: Contact[] = JSON.parse(process.env.FLOOR_CONTACTS ?? '[]');
const mail = loadConfig(
  { mail: MailConfig },
  {
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: process.env.SMTP_PORT,
      SMTP_TLS: 'none',
      SMTP_POOL_SIZE: process.env.SMTP_POOL_SIZE ?? '5',
      MAIL_FROM: 'Leak Response <noreply@bench.test>',
    },
  },
).mail;
const mailer = new Mailer(mail, { ignoreTLS: true });
const text = (value: unknown) => (typeof value === 'string' ? { text: value } : undefined);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const report: OpenedReport = {
        description: text(body.description),
        dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_EMAIL'],
        persons: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: String(body.persons?.value ?? 0) },
        records: { precision: 'COUNT_PRECISION_UNKNOWN' },
        place: { site: text(body.place?.site), system: text(body.place?.system) },
        circumstances: { whatHappened: text(body.circumstances?.whatHappened) },
        measuresTaken: text(body.measuresTaken),
        discoveredAt: body.discoveredAt,
        occurredAt: body.occurredAt,
        reportedAt: new Date().toISOString(),
      };
      const caseId = randomUUID();
      const caseNumber = String(body.caseNumber);
      await Promise.all(
        contacts.map((contact) =>
          mailer.send(
            composeMessage(
              [contact.email],
              [
                [
                  contact.language,
                  noticeContent(
                    {
                      variant: 'first',
                      caseId,
                      caseNumber,
                      contractTitle: 'Benchmark contract',
                      caseUrl: `http://console.bench/cases/${caseId}`,
                      recipientName: contact.name,
                      report,
                      assessment: 'APPI report to the PPC likely required: more than 1,000 persons',
                      responsible: { name: 'Bench Responsible', email: 'responsible@bench.test' },
                      ackUrl: `http://notifier.bench/acknowledgements/${randomUUID()}`,
                    },
                    contact.language,
                  ),
                ],
              ],
            ),
          ),
        ),
      );
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ caseId, caseNumber }));
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
});

server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1', () => console.log('floor ready'));
process.on('SIGTERM', () => {
  mailer.close();
  server.close(() => process.exit(0));
});
