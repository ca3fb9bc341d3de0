import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type ServiceProcess, startServiceProcess, waitUntilReady } from '#libs/testing';
import { startTestSmtpServer, type TestSmtpServer } from '../../../libs/mail/test/smtp-test-server.js';
import {
  approveTemplate,
  bearer,
  createWorld,
  importPersons,
  personsCsv,
  subjectsEnv,
  TestCase,
  type World,
  waitFor,
} from './support.js';

/**
 * The compiled service (dist/, as in production) killed with SIGKILL twice in the middle of a campaign of
 * 2,000 persons, started again each time: every person receives exactly one notice (one Message-ID) with
 * their own name and items. The only copies allowed are of notices the SMTP server accepted in the instant
 * before a kill, before their record committed (the one-SMTP-transaction window): they repeat the same
 * Message-ID, at most twice NOTICE_CONCURRENCY (the notices in flight) per kill.
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const main = join(root, 'dist', 'apps', 'subject-notifier', 'src', 'main.js');
const PERSONS = 2_000;
const CONCURRENCY = 4;

function assertBuilt(): void {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const source = join(root, 'apps', 'subject-notifier', 'src', 'campaigns', 'notice-sender.ts');
  if (statSync(source).mtimeMs > statSync(main).mtimeMs) {
    throw new Error(`${main} is older than ${source}: run \`npm run build\``);
  }
}

let world: World;
let smtp: TestSmtpServer;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  world = await createWorld('sn_crash');
  smtp = await startTestSmtpServer();
});

afterAll(async () => {
  for (const service of processes) service.child.kill('SIGKILL');
  await smtp?.close();
  await world?.close();
});

describe('subject-notifier killed with SIGKILL twice in a campaign of 2,000 persons', () => {
  it('gives every person exactly one notice, with their own name and items, after the restarts', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = subjectsEnv(world, smtp.port, {
      HTTP_PORT: String(port),
      NOTICE_CONCURRENCY: String(CONCURRENCY),
      NOTICE_RATE_PER_SECOND: '100',
      NOTICE_LEASE_SECONDS: '5',
    });
    const first = startServiceProcess(main, env);
    processes.push(first);
    await waitUntilReady(port, first);

    const testCase = new TestCase(world);
    const notify = testCase.instruction('INSTRUCTION_KIND_NOTIFY_SUBJECTS');
    await testCase.publish([testCase.reported(), notify.message], { instructions: 1 });
    const responder = await bearer(world, 'responder', [testCase.contractId]);
    await importPersons(base, responder, testCase.caseId, personsCsv(PERSONS, 'crash'));
    const template = await approveTemplate(world, testCase.caseId);
    const started = await request(base)
      .post(`/cases/${testCase.caseId}/campaigns`)
      .set('Authorization', responder)
      .send({ instructionId: notify.instructionId, templateId: template.templateId })
      .expect(201);

    let current = first;
    const atKills: number[] = [];
    for (const killAt of [PERSONS / 4, (PERSONS * 3) / 5]) {
      await waitFor(() => smtp.received.length >= killAt || undefined, {
        timeoutMs: 120_000,
        message: `${killAt} notices before the kill`,
      });
      current.child.kill('SIGKILL');
      expect(await current.exited).toBeNull();
      atKills.push(smtp.received.length);
      // a kill in the middle of the campaign, not after it
      expect(atKills.at(-1)).toBeLessThan(PERSONS);
      current = startServiceProcess(main, env);
      processes.push(current);
    }
    await waitUntilReady(port, current);

    const done = await waitFor(
      async () => {
        const res = await request(base)
          .get(`/cases/${testCase.caseId}/campaigns/${started.body.campaignId}`)
          .set('Authorization', responder);
        return res.body.status === 'completed' ? res.body : undefined;
      },
      { timeoutMs: 180_000, message: `campaign completed (had ${atKills.join(', ')} at the kills)` },
    );
    expect(done.tally).toMatchObject({ sent: PERSONS, failed: 0, queued: 0, sending: 0, deferred: 0 });
    current.child.kill('SIGTERM');
    await current.exited;

    // per person: exactly one Message-ID, their own name and items
    const byRecipient = new Map<string, { ids: Set<string>; texts: string[] }>();
    for (const mail of smtp.received) {
      const to = mail.envelopeTo.join(',');
      const entry = byRecipient.get(to) ?? { ids: new Set<string>(), texts: [] };
      entry.ids.add(mail.parsed.messageId ?? '');
      entry.texts.push(mail.parsed.text ?? '');
      byRecipient.set(to, entry);
    }
    expect(byRecipient.size).toBe(PERSONS);
    for (let n = 1; n <= PERSONS; n++) {
      const entry = byRecipient.get(`crash-${n}@persons.test`);
      expect(entry?.ids.size, `person ${n}`).toBe(1);
      for (const text of entry?.texts ?? []) {
        expect(text).toContain(`Person crash ${n}`);
        expect(text).toContain(`item-${n}\n`);
      }
    }
    const copies = smtp.received.length - PERSONS;
    expect(copies).toBeGreaterThanOrEqual(0);
    // at most the notices in flight (two per SMTP connection) at each of the two kills
    expect(copies).toBeLessThanOrEqual(CONCURRENCY * 2 * 2);
    console.info(
      `crash test: ${atKills.join(' and ')} notices at the kills, ${copies} copies from the in-flight window`,
    );
  }, 420_000);
});
