import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidIdentifierError } from '#libs/event-store';
import { createTestDataSource, dropSchema, uniqueName } from '#libs/testing';
import { Inbox, messagingMigrations } from '../src/index.js';

describe('Inbox', () => {
  let schema: string;
  let dataSource: DataSource;
  let inbox: Inbox;
  const entry = (groupId: string, eventId: string) => ({
    groupId,
    eventId,
    topic: 't',
    partition: 0,
    offset: '1',
  });

  beforeEach(async () => {
    schema = uniqueName('inbox');
    dataSource = await createTestDataSource({ schema, migrations: messagingMigrations(schema) });
    inbox = new Inbox(schema);
  });

  afterEach(async () => {
    await dropSchema(dataSource, schema);
    await dataSource.destroy();
  });

  it('claims an event once per consumer group', async () => {
    expect(await inbox.claim(dataSource.manager, entry('timeline', 'e-1'))).toBe(true);
    expect(await inbox.claim(dataSource.manager, entry('timeline', 'e-1'))).toBe(false);
    expect(await inbox.claim(dataSource.manager, entry('publisher', 'e-1'))).toBe(true);
  });

  it('forgets a claim whose transaction rolled back', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await inbox.claim(manager, entry('timeline', 'e-2'));
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await inbox.claim(dataSource.manager, entry('timeline', 'e-2'))).toBe(true);
  });

  it('prunes rows processed before a given time', async () => {
    await inbox.claim(dataSource.manager, entry('timeline', 'old'));
    await dataSource.query(`UPDATE "${schema}".inbox SET processed_at = now() - interval '30 days'`);
    await inbox.claim(dataSource.manager, entry('timeline', 'new'));
    expect(await inbox.prune(dataSource.manager, new Date(Date.now() - 7 * 24 * 3600_000))).toBe(1);
    expect(await inbox.claim(dataSource.manager, entry('timeline', 'new'))).toBe(false);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => new Inbox('public"; DROP TABLE x; --')).toThrow(InvalidIdentifierError);
    expect(() => messagingMigrations('Bad-Name')).toThrow(InvalidIdentifierError);
  });
});
