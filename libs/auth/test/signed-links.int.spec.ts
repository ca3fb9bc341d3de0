import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authMigrations, LinkAlreadyUsedError, LinkError, SignedLinks } from '#libs/auth';
import { createTestDataSource, dropSchema, uniqueName } from '#libs/testing';

/**
 * Signed links against the real database: `consume` runs inside the caller's transaction together
 * with the action's own write. A refused link must leave no trace: neither the action's row nor a
 * use record.
 */
const schema = uniqueName('auth_links');
let db: DataSource;
let links: SignedLinks;
const now = new Date('2026-11-25T10:00:00.000Z');
const caseId = randomUUID();

beforeAll(async () => {
  db = await createTestDataSource({ schema, migrations: authMigrations(schema) });
  await db.query(`CREATE TABLE "${schema}".acknowledgements (case_id uuid, recipient text, at timestamptz)`);
  links = new SignedLinks({ key: randomBytes(32), schema });
});

afterAll(async () => {
  await dropSchema(db, schema);
  await db.destroy();
});

const issue = (overrides: Partial<Parameters<SignedLinks['issue']>[0]> = {}) =>
  links.issue({
    action: 'acknowledge',
    caseId,
    recipient: 'contact-1',
    expiresAt: new Date(now.getTime() + 3600_000),
    ...overrides,
  });

/** The acknowledge action: consume the link, then record the acknowledgement, in one transaction. */
function acknowledge(token: string, expected: { action?: string; caseId?: string; now?: Date } = {}) {
  return db.transaction(async (manager) => {
    const payload = await links.consume(
      token,
      {
        action: expected.action ?? 'acknowledge',
        caseId: expected.caseId ?? caseId,
        now: expected.now ?? now,
        usedBy: 'contact-1',
      },
      manager,
    );
    await manager.query(`INSERT INTO "${schema}".acknowledgements VALUES ($1, $2, $3)`, [
      payload.caseId,
      payload.recipient,
      now,
    ]);
    return payload;
  });
}

async function counts() {
  const [{ acks, uses }] = await db.query(
    `SELECT (SELECT count(*)::int FROM "${schema}".acknowledgements) AS acks,
            (SELECT count(*)::int FROM "${schema}".used_links) AS uses`,
  );
  return { acks, uses };
}

/** `attempt` starts only after the counts are taken, so its rejection is always handled. */
async function expectRefused(
  attempt: () => Promise<unknown>,
  code: string,
  status: 'forbidden' | 'conflict',
) {
  const before = await counts();
  const error = await attempt().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(LinkError);
  expect(error).toMatchObject({ code, kind: status });
  expect(await counts()).toEqual(before);
}

describe('signed links', () => {
  it('refuses a link for another action, changing nothing', async () => {
    await expectRefused(
      () => acknowledge(issue({ action: 'approve-statement' })),
      'link_wrong_action',
      'forbidden',
    );
  });

  it('refuses a link for another case, changing nothing', async () => {
    await expectRefused(() => acknowledge(issue(), { caseId: randomUUID() }), 'link_wrong_case', 'forbidden');
  });

  it('refuses a tampered link (payload or signature changed), changing nothing', async () => {
    const token = issue();
    const [payload, mac] = token.split('.');
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forgedPayload = Buffer.from(JSON.stringify({ ...body, exp: body.exp + 86_400 })).toString(
      'base64url',
    );
    await expectRefused(() => acknowledge(`${forgedPayload}.${mac}`), 'link_tampered', 'forbidden');
    const flipped = `${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BA' : 'AA'}`;
    await expectRefused(() => acknowledge(`${payload}.${flipped}`), 'link_tampered', 'forbidden');
    await expectRefused(() => acknowledge('garbage'), 'link_tampered', 'forbidden');
    const otherKey = new SignedLinks({ key: randomBytes(32), schema }).issue({
      action: 'acknowledge',
      caseId,
      recipient: 'contact-1',
      expiresAt: new Date(now.getTime() + 3600_000),
    });
    await expectRefused(() => acknowledge(otherKey), 'link_tampered', 'forbidden');
  });

  it('refuses an expired link, changing nothing', async () => {
    const token = issue({ expiresAt: new Date(now.getTime() + 60_000) });
    await expectRefused(
      () => acknowledge(token, { now: new Date(now.getTime() + 60_000) }),
      'link_expired',
      'forbidden',
    );
  });

  it('performs the action once, and refuses the second use with when it was used (409)', async () => {
    const token = issue();
    const before = await counts();
    const payload = await acknowledge(token);
    expect(payload).toMatchObject({ action: 'acknowledge', caseId, recipient: 'contact-1' });
    expect(await counts()).toEqual({ acks: before.acks + 1, uses: before.uses + 1 });

    await expectRefused(() => acknowledge(token), 'link_already_used', 'conflict');
    const again = await acknowledge(token).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(LinkAlreadyUsedError);
    expect((again as LinkAlreadyUsedError).usedAt.toISOString()).toBe(now.toISOString());
    expect((again as LinkAlreadyUsedError).usedBy).toBe('contact-1');
  });

  it('stays usable when the action that consumed it failed (the use rolls back with it)', async () => {
    const token = issue();
    const before = await counts();
    const failing = db.transaction(async (manager) => {
      await links.consume(token, { action: 'acknowledge', caseId, now }, manager);
      throw new Error('the action failed after consuming');
    });
    await expect(failing).rejects.toThrow('the action failed');
    expect(await counts()).toEqual(before);
    await acknowledge(token);
    expect((await counts()).acks).toBe(before.acks + 1);
  });

  it('lets exactly one of two concurrent uses through', async () => {
    const token = issue();
    const results = await Promise.allSettled([acknowledge(token), acknowledge(token)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(LinkAlreadyUsedError);
  });
});
