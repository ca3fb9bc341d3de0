import type { MigrationInterface, QueryRunner } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestDataSource,
  createTopics,
  deleteTopics,
  dropSchema,
  kafkaAdmin,
  readAllFromTopic,
  testConfig,
  testKafka,
  uniqueName,
} from './index.js';

describe('test harness: PostgreSQL', () => {
  const schema = uniqueName('harness');

  class CreateNotes1700000000000 implements MigrationInterface {
    name = 'CreateNotes1700000000000';
    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`CREATE TABLE "${schema}".notes (id int PRIMARY KEY, body text NOT NULL)`);
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TABLE "${schema}".notes`);
    }
  }

  it('connects to the test database, runs migrations in the test schema and drops it', async () => {
    const ds = await createTestDataSource({ schema, migrations: [CreateNotes1700000000000] });
    try {
      const [{ db }] = await ds.query('SELECT current_database() AS db');
      expect(testConfig().databaseUrl).toContain(`/${db}`);

      // Unqualified names resolve in the test schema (search_path).
      await ds.query('INSERT INTO notes (id, body) VALUES (1, $1)', ['hello']);
      expect(await ds.query(`SELECT body FROM "${schema}".notes`)).toEqual([{ body: 'hello' }]);
      const applied = await ds.query(`SELECT name FROM "${schema}".migrations`);
      expect(applied).toEqual([{ name: 'CreateNotes1700000000000' }]);

      await dropSchema(ds, schema);
      const left = await ds.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
        schema,
      ]);
      expect(left).toHaveLength(0);
    } finally {
      await ds.destroy();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(createTestDataSource({ schema: 'bad"; DROP SCHEMA public; --' })).rejects.toThrow(
      /must match/,
    );
  });
});

describe('test harness: Kafka', () => {
  const topic = uniqueName('harness_topic');
  const emptyTopic = uniqueName('harness_empty');

  afterAll(async () => {
    await deleteTopics([topic, emptyTopic]);
  });

  it('creates a topic, produces to it and reads the messages back', async () => {
    await createTopics([topic], 3);
    const admin = await kafkaAdmin();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0].partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }

    const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [
          { key: 'case-1', value: Buffer.from([1, 2, 3]), headers: { 'event-type': 'First' } },
          { key: 'case-1', value: Buffer.from([4]), headers: { 'event-type': 'Second' } },
          { key: 'case-2', value: null, headers: { 'event-type': 'Third' } },
        ],
      });
    } finally {
      await producer.disconnect();
    }

    const records = await readAllFromTopic(topic, { expectedCount: 3, timeoutMs: 20_000 });
    expect(records).toHaveLength(3);
    const case1 = records.filter((r) => r.key === 'case-1');
    expect(case1.map((r) => r.headers['event-type'])).toEqual(['First', 'Second']);
    expect(case1[0].value).toEqual(Buffer.from([1, 2, 3]));
    expect(case1[0].partition).toBe(case1[1].partition);
    expect(BigInt(case1[1].offset)).toBeGreaterThan(BigInt(case1[0].offset));
    expect(records.find((r) => r.key === 'case-2')?.value).toBeNull();

    // Reading again without a count reads up to the current end of every partition.
    const again = await readAllFromTopic(topic);
    expect(again.map((r) => `${r.partition}:${r.offset}`)).toEqual(
      records.map((r) => `${r.partition}:${r.offset}`),
    );
  });

  it('returns nothing for an empty topic, and fails with the count when too few messages arrive', async () => {
    await createTopics([emptyTopic], 2);
    expect(await readAllFromTopic(emptyTopic)).toEqual([]);
    await expect(readAllFromTopic(emptyTopic, { expectedCount: 1, timeoutMs: 1_500 })).rejects.toThrow(
      /got 0 messages in 1500 ms, wanted 1 messages/,
    );
  });
});
