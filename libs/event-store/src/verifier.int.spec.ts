import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreFixture, event, type StoreFixture } from '../test/fixture.js';
import { computeEventHash } from './hash-chain.js';

let fx: StoreFixture;

beforeAll(async () => {
  fx = await createStoreFixture('es_verifier');
});

afterAll(async () => {
  await fx?.close();
});

/** Writes a stream of `count` events through the store (in two appends, to chain across appends). */
async function writeStream(streamId: string, count = 5): Promise<void> {
  const events = Array.from({ length: count }, (_, i) =>
    event(`Step${i + 1}`, { step: i + 1, note: `résumé ${i}`, nested: { list: [i, i * 1.5] } }),
  );
  await fx.store.append(streamId, 'no_stream', events.slice(0, 2));
  await fx.store.append(streamId, 2, events.slice(2));
}

/** Raw SQL behind the store's back, as an intruder or a careless script would run it. */
async function sql(statement: string, params: unknown[] = []): Promise<void> {
  await fx.dataSource.query(
    statement.replaceAll('{events}', `${fx.schema}.events`).replaceAll('{streams}', `${fx.schema}.streams`),
    params,
  );
}

describe('verify', () => {
  it('accepts an untampered store', async () => {
    await writeStream('intact-1');
    await writeStream('intact-2', 3);
    expect(await fx.store.verify()).toEqual({ ok: true, streamsChecked: 2, eventsChecked: 8 });
    expect(await fx.store.verify({ streamId: 'intact-2' })).toEqual({
      ok: true,
      streamsChecked: 1,
      eventsChecked: 3,
    });
    expect(await fx.store.verify({ batchSize: 2 })).toEqual({
      ok: true,
      streamsChecked: 2,
      eventsChecked: 8,
    });
  });

  it.each([
    [
      'data',
      `UPDATE {events} SET data = jsonb_set(data, '{step}', '99') WHERE stream_id = $1 AND stream_version = 3`,
    ],
    [
      'metadata',
      `UPDATE {events} SET metadata = metadata || '{"actor":{"id":"someone-else","kind":"user"}}' WHERE stream_id = $1 AND stream_version = 3`,
    ],
    ['type', `UPDATE {events} SET type = 'Rewritten' WHERE stream_id = $1 AND stream_version = 3`],
    ['hash', `UPDATE {events} SET hash = sha256(hash) WHERE stream_id = $1 AND stream_version = 3`],
  ])('names the stream and version when an event %s is updated in SQL', async (column, statement) => {
    const streamId = `update-${column}`;
    await writeStream(streamId);
    await sql(statement, [streamId]);
    expect(await fx.store.verify({ streamId })).toMatchObject({
      ok: false,
      breaks: [{ streamId, version: 3, reason: 'hash-mismatch' }],
    });
  });

  it('catches a rewrite that recomputes the hash: the next event no longer points at it', async () => {
    const streamId = 'rehashed';
    await writeStream(streamId);
    const [victim] = await fx.store.readStream(streamId, { fromVersion: 2, toVersion: 2 });
    const [previous] = await fx.store.readStream(streamId, { fromVersion: 1, toVersion: 1 });
    const forged = { ...victim, data: { step: 2, note: 'forged' } };
    const forgedHash = computeEventHash(Buffer.from(previous.hash, 'hex'), forged);
    await sql(`UPDATE {events} SET data = $2, hash = $3 WHERE stream_id = $1 AND stream_version = 2`, [
      streamId,
      JSON.stringify(forged.data),
      forgedHash,
    ]);
    expect(await fx.store.verify({ streamId })).toMatchObject({
      ok: false,
      breaks: [{ streamId, version: 3, reason: 'prev-hash-mismatch' }],
    });
  });

  it('names a deleted event in the middle of a stream', async () => {
    await writeStream('deleted-middle');
    await sql(`DELETE FROM {events} WHERE stream_id = $1 AND stream_version = 3`, ['deleted-middle']);
    expect(await fx.store.verify({ streamId: 'deleted-middle' })).toMatchObject({
      ok: false,
      breaks: [{ streamId: 'deleted-middle', version: 3, reason: 'missing-version' }],
    });
  });

  it('names a deleted last event (the stream head remembers it)', async () => {
    await writeStream('deleted-last');
    await sql(`DELETE FROM {events} WHERE stream_id = $1 AND stream_version = 5`, ['deleted-last']);
    expect(await fx.store.verify({ streamId: 'deleted-last' })).toMatchObject({
      ok: false,
      breaks: [{ streamId: 'deleted-last', version: 5, reason: 'missing-version' }],
    });
  });

  it('names a deleted tail whose head was rewound, and a stream whose events are all gone', async () => {
    await writeStream('rewound');
    await sql(`DELETE FROM {events} WHERE stream_id = $1 AND stream_version = 5`, ['rewound']);
    await sql(`UPDATE {streams} SET version = 4 WHERE stream_id = $1`, ['rewound']);
    await writeStream('emptied', 2);
    await sql(`DELETE FROM {events} WHERE stream_id = $1`, ['emptied']);
    expect(await fx.store.verify({ streamId: 'rewound' })).toMatchObject({
      ok: false,
      breaks: [{ streamId: 'rewound', version: 4, reason: 'stream-head-mismatch' }],
    });
    expect(await fx.store.verify({ streamId: 'emptied' })).toMatchObject({
      ok: false,
      breaks: [{ streamId: 'emptied', version: 1, reason: 'missing-version' }],
    });
  });

  it('reports the first break of every broken stream in one pass, whatever the batch size', async () => {
    await writeStream('two-breaks');
    await sql(`UPDATE {events} SET data = '{}' WHERE stream_id = $1 AND stream_version = 2`, ['two-breaks']);
    await sql(`DELETE FROM {events} WHERE stream_id = $1 AND stream_version = 4`, ['two-breaks']);

    const expected = [
      { streamId: 'deleted-last', version: 5, reason: 'missing-version' },
      { streamId: 'deleted-middle', version: 3, reason: 'missing-version' },
      { streamId: 'rehashed', version: 3, reason: 'prev-hash-mismatch' },
      { streamId: 'rewound', version: 4, reason: 'stream-head-mismatch' },
      { streamId: 'two-breaks', version: 2, reason: 'hash-mismatch' },
      { streamId: 'update-data', version: 3, reason: 'hash-mismatch' },
      { streamId: 'update-hash', version: 3, reason: 'hash-mismatch' },
      { streamId: 'update-metadata', version: 3, reason: 'hash-mismatch' },
      { streamId: 'update-type', version: 3, reason: 'hash-mismatch' },
      { streamId: 'emptied', version: 1, reason: 'missing-version' },
    ];
    for (const batchSize of [1, 3, 1000]) {
      const result = await fx.store.verify({ batchSize });
      expect(result).toMatchObject({ ok: false, breaks: expected, streamsChecked: 12 });
    }
    expect(await fx.store.verify({ streamId: 'intact-1' })).toMatchObject({ ok: true });
  });
});
