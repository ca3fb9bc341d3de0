import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaTransport } from '#libs/messaging';
import {
  freePort,
  generateTestKeys,
  type ServiceProcess,
  startServiceProcess,
  type TestKeys,
  uniqueName,
  waitFor,
  waitUntilReady,
} from '#libs/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import {
  CaseEvents,
  createWorld,
  notifierEnv,
  startGroupsAtEnd,
  type TestContract,
  testTransport,
  to,
  type World,
} from './support.js';

/**
 * The compiled service (dist/, as in production) killed with SIGKILL in the middle of 200 reports, then
 * started again: every contact of every case ends up with exactly one first notice (one Message-ID). The
 * only copies allowed are of messages the SMTP server accepted in the instant before the kill, before their
 * record committed (the documented one-SMTP-transaction window): they carry the same Message-ID, and there
 * are at most as many as messages were in flight (SMTP_POOL_SIZE).
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const main = join(root, 'dist', 'apps', 'client-notifier', 'src', 'main.js');
const REPORTS = 200;
const POOL_SIZE = 3;

function assertBuilt(): void {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const built = statSync(main).mtimeMs;
  const source = join(root, 'apps', 'client-notifier', 'src', 'correspondence', 'delivery-sender.ts');
  if (statSync(source).mtimeMs > built)
    throw new Error(`${main} is older than ${source}: run \`npm run build\``);
}

let world: World;
let keys: TestKeys;
let smtp: TestSmtpServer;
let transport: KafkaTransport;
let contract: TestContract;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  world = await createWorld('cn_crash');
  keys = await generateTestKeys();
  smtp = await startTestSmtpServer({ headersOnly: true });
  transport = testTransport();
  contract = await world.contract({
    contacts: [
      { name: 'Crash One', email: 'c1@client.test', language: 'en', priority: 1 },
      { name: 'Crash Two', email: 'c2@client.test', language: 'ja', priority: 2 },
    ],
  });
});

afterAll(async () => {
  for (const service of processes) service.child.kill('SIGKILL');
  await transport?.close();
  await smtp?.close();
  await world?.close();
});

describe('client-notifier killed with SIGKILL in the middle of 200 reports', () => {
  it('sends every contact of every case exactly one first notice after the restart', async () => {
    const serviceName = uniqueName('cn-crash').replaceAll('_', '-');
    await startGroupsAtEnd(serviceName);
    const port = await freePort();
    const env = notifierEnv(world, keys, {
      serviceName,
      smtpPort: smtp.port,
      env: {
        HTTP_PORT: String(port),
        SMTP_POOL_SIZE: String(POOL_SIZE),
        DELIVERY_LEASE_SECONDS: '5',
        LOG_LEVEL: 'error',
      },
    });
    const first = startServiceProcess(main, env);
    processes.push(first);
    await waitUntilReady(port, first);

    const cases = Array.from({ length: REPORTS }, () => new CaseEvents(world, contract.id));
    const publishing = (async () => {
      for (let i = 0; i < cases.length; i += 20) {
        const batch = [];
        for (const events of cases.slice(i, i + 20)) {
          batch.push(
            await events.incidentReported({ description: `crash ${events.caseNumber}` }),
            events.assessment(),
          );
        }
        await transport.publish(batch);
      }
    })();

    // kill it while first notices are going out
    await waitFor(() => smtp.received.length >= REPORTS / 2 || undefined, {
      timeoutMs: 60_000,
      message: 'a quarter of the first notices',
    });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const atKill = smtp.received.length;
    await publishing;

    const second = startServiceProcess(main, env);
    processes.push(second);
    await waitUntilReady(port, second);
    const expected = REPORTS * 2;
    // A case whose assessment had not been handled at the kill gets its first notice without it after the
    // restart (the wait for it ran out meanwhile), and the assessment as an update: count first notices.
    const firstNotices = () =>
      smtp.received.filter((mail) => /^(\[Leak report\]|【漏えい等の報告】)/.test(mail.parsed.subject ?? ''));
    const distinct = () => new Set(firstNotices().map((mail) => mail.parsed.messageId)).size;
    await waitFor(() => distinct() >= expected || undefined, {
      timeoutMs: 120_000,
      message: `all ${expected} first notices (had ${atKill} at the kill)`,
    });
    await new Promise((resolve) => setTimeout(resolve, 7_000)); // past one lease: a late duplicate would show
    second.child.kill('SIGTERM');
    await second.exited;

    // per case and contact: exactly one Message-ID
    const numbers = new Map(cases.map((events) => [events.caseNumber, events]));
    const perRecipient = new Map<string, Set<string>>();
    for (const mail of firstNotices()) {
      const caseNumber = /INC-\d{4}-\d{6}/.exec(mail.parsed.subject ?? '')?.[0] ?? '';
      expect(numbers.has(caseNumber)).toBe(true);
      const key = `${caseNumber}/${to(mail).join(',')}`;
      perRecipient.set(key, (perRecipient.get(key) ?? new Set()).add(mail.parsed.messageId ?? ''));
    }
    const doubled = [...perRecipient].filter(([, ids]) => ids.size > 1);
    if (doubled.length > 0) {
      const details = await world.db.query(
        `SELECT case_id, recipient_id, kind, status, message_id, dedupe_key FROM "${world.schema}".deliveries WHERE message_id = ANY($1)`,
        [doubled.flatMap(([, ids]) => [...ids])],
      );
      console.error(JSON.stringify({ doubled: doubled.map(([k, ids]) => [k, [...ids]]), details }, null, 1));
    }
    expect(perRecipient.size).toBe(expected);
    expect([...perRecipient.values()].every((ids) => ids.size === 1)).toBe(true);
    // copies only from the window between the SMTP server's acceptance and the record
    const copies = firstNotices().length - expected;
    expect(copies).toBeGreaterThanOrEqual(0);
    expect(copies).toBeLessThanOrEqual(POOL_SIZE);

    // each record is written just after its mail's acceptance (the documented window): wait for the last
    const statuses = async (): Promise<Array<{ status: string; n: number }>> =>
      world.db.query(
        `SELECT status, count(*)::int AS n FROM "${world.schema}".deliveries
          WHERE contract_id = $1 AND kind = 'first_notice' GROUP BY status`,
        [contract.id],
      );
    await waitFor(async () => ((await statuses()).some((r) => r.status === 'sending') ? undefined : true), {
      timeoutMs: 15_000,
      message: 'every first notice recorded with its SMTP answer',
    });
    expect(await statuses()).toEqual([{ status: 'sent', n: expected }]);
    const [{ n: sentEvents }] = await world.db.query(
      `SELECT count(*)::int AS n FROM "${world.schema}".events
        WHERE type = 'ClientNotificationSent' AND data->>'kind' = 'NOTIFICATION_KIND_FIRST_NOTICE'`,
    );
    expect(sentEvents).toBe(expected);
    // every message of every kind has exactly one record and one event; updates for late assessments included
    const [{ records, events }] = await world.db.query(
      `SELECT (SELECT count(*)::int FROM "${world.schema}".deliveries WHERE status = 'sent') AS records,
              (SELECT count(*)::int FROM "${world.schema}".events WHERE type = 'ClientNotificationSent') AS events`,
    );
    expect(events).toBe(records);
    const updates = smtp.received.length - firstNotices().length;
    console.info(
      `crash test: ${atKill} e-mails before the kill, ${copies} copies from the in-flight window, ${updates} late-assessment updates`,
    );
  }, 300_000);
});
