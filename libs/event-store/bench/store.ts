/**
 * `npm run bench:store`: event-store append and global-read throughput beside plain INSERTs, in one run, on a
 * schema of its own in the test database (dropped at the end).
 *
 * Settings (environment): BENCH_DATABASE_URL (default TEST_DATABASE_URL, then the local test database),
 * BENCH_SECONDS per measurement (default 5), BENCH_ROUNDS (default 5), BENCH_WRITERS concurrent connections
 * (default 4), BENCH_READ_EVENTS minimum log size for the read test (default 200000).
 *
 * Besides throughput it reports the CPU time per event of this process and of the PostgreSQL backends
 * serving it (from /proc, when the server is local): on a shared machine throughput swings with other
 * load, the CPU cost per event much less.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  cursorOf,
  EventStore,
  eventStoreMigrations,
  type GlobalCursor,
  type NewEvent,
  START,
} from '../src/index.js';

const settings = {
  databaseUrl:
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/leak_response_test',
  seconds: positiveNumber('BENCH_SECONDS', 5),
  rounds: positiveNumber('BENCH_ROUNDS', 5),
  writers: positiveNumber('BENCH_WRITERS', 4),
  readEvents: positiveNumber('BENCH_READ_EVENTS', 200_000),
  readBatch: 1_000,
  streamsPerWriter: 50,
};

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

/** UUID v7 with pooled random bytes, as the store makes its event ids (so both sides pay the same). */
let idPool = Buffer.alloc(0);
let idOffset = 0;
function baselineEventId(): string {
  if (idOffset + 16 > idPool.length) {
    idPool = randomFillSync(Buffer.allocUnsafe(4096));
    idOffset = 0;
  }
  idOffset += 16;
  return uuidv7({ random: idPool.subarray(idOffset - 16, idOffset) });
}

/** A typical event: a few fields of case data (~300 bytes of JSON) and full metadata. */
function sampleEvent(seq: number): NewEvent {
  return {
    type: 'IncidentDetailsRecorded',
    data: {
      caseId: `case-${seq % 1000}`,
      summary: 'Laptop with customer spreadsheet left on a train; disk encrypted, password on a sticky note.',
      categories: ['personal-data', 'confidential'],
      affected: { individuals: 1200 + (seq % 50), records: 4800, jurisdictions: ['JP', 'EU'] },
      discoveredAt: '2026-01-15T09:30:00.000Z',
      seq,
    },
    metadata: {
      occurredAt: '2026-01-15T09:31:00.000Z',
      actor: { id: 'user-42', kind: 'user', role: 'handler' },
      caseId: `case-${seq % 1000}`,
      correlationId: '0194a3b2-7c00-7000-8000-00000000abcd',
    },
  };
}

/** The baseline table: the events table's columns and indexes, written with plain INSERTs. */
function plainTableMigration(schema: string): new () => MigrationInterface {
  return class CreatePlainEvents implements MigrationInterface {
    readonly name = `BenchPlainEvents_${schema}_1767225600001`;
    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`
        CREATE TABLE "${schema}".plain_events (
          position bigserial PRIMARY KEY,
          transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
          event_id uuid NOT NULL UNIQUE,
          stream_id text COLLATE "C" NOT NULL,
          stream_version integer NOT NULL,
          type text NOT NULL,
          data jsonb NOT NULL,
          metadata jsonb NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          prev_hash bytea NOT NULL,
          hash bytea NOT NULL,
          UNIQUE (stream_id, stream_version)
        )`);
      await queryRunner.query(`CREATE INDEX ON "${schema}".plain_events (transaction_id, position)`);
    }
    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE "${schema}".plain_events`);
    }
  };
}

/** Inserts one transaction's worth of events into the baseline table: one multi-row INSERT, autocommit. */
function plainInsertSql(schema: string, rows: number): string {
  const values = Array.from({ length: rows }, (_, r) => {
    const p = r * 6;
    return `($${p + 1}::uuid, $${p + 2}, $${p + 3}::integer, $${p + 4}, $${p + 5}::jsonb, $${p + 6}::jsonb, $${rows * 6 + 1}::bytea, $${rows * 6 + 1}::bytea)`;
  });
  return `INSERT INTO "${schema}".plain_events (event_id, stream_id, stream_version, type, data, metadata, prev_hash, hash) VALUES ${values.join(', ')}`;
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<unknown>;
}

type Writer = (streamId: string, version: number, seq: number) => Promise<void>;

interface Measurement {
  eventsPerSecond: number;
  /** CPU time per event of this process and of the run's PostgreSQL backends (µs; NaN when unknown) */
  nodeCpu: number;
  serverCpu: number;
}

/**
 * Runs `settings.writers` concurrent loops for `seconds`; each loop appends to its own streams in turn
 * (so writers do not conflict, as different cases do not). Measures committed events per second and the
 * CPU spent per event.
 */
async function measure(label: string, batch: number, write: Writer, seconds: number): Promise<Measurement> {
  const deadline = performance.now() + seconds * 1000;
  const run = `${label}-${randomBytes(4).toString('hex')}`;
  let events = 0;
  const loop = async (w: number) => {
    const versions = new Array<number>(settings.streamsPerWriter).fill(0);
    for (let i = 0; performance.now() < deadline; i++) {
      const s = i % settings.streamsPerWriter;
      await write(`${run}-w${w}-s${s}`, versions[s], i);
      versions[s] += batch;
      events += batch;
    }
  };
  const serverBefore = await serverCpuMicros();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: settings.writers }, (_, w) => loop(w)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const server = (await serverCpuMicros()) - serverBefore;
  return {
    eventsPerSecond: events / elapsed,
    nodeCpu: (cpu.user + cpu.system) / events,
    serverCpu: server / events,
  };
}

/**
 * CPU time (µs) of the PostgreSQL backends serving this run, read from /proc: only possible when the
 * server runs on this machine and /proc is readable; NaN otherwise.
 */
let serverCpuMicros: () => Promise<number> = async () => Number.NaN;

function trackServerCpu(dataSource: DataSource): void {
  const ticksPerSecond = 100; // USER_HZ on Linux
  serverCpuMicros = async () => {
    const rows: Array<{ pid: number }> = await dataSource.query(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'bench-store'`,
    );
    let ticks = 0;
    for (const { pid } of rows) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        return Number.NaN;
      }
    }
    return (ticks * 1_000_000) / ticksPerSecond;
  };
}

async function readWholeLog(store: EventStore): Promise<{ events: number; perSecond: number }> {
  let after: GlobalCursor = START;
  let events = 0;
  const started = performance.now();
  for (;;) {
    const page = await store.readAll({ after, limit: settings.readBatch });
    if (page.length === 0) break;
    events += page.length;
    after = cursorOf(page[page.length - 1]);
  }
  return { events, perSecond: events / ((performance.now() - started) / 1000) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const schema = `bench_store_${randomBytes(4).toString('hex')}`;
  const dataSource = new DataSource({
    type: 'postgres',
    url: settings.databaseUrl,
    schema,
    migrations: [...eventStoreMigrations(schema), plainTableMigration(schema)],
    logging: false,
    synchronize: false,
    applicationName: 'bench-store',
    extra: { max: settings.writers + 2 },
  });
  await dataSource.initialize();
  try {
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    await dataSource.runMigrations();
    await run(dataSource, schema);
  } finally {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  }
}

async function run(dataSource: DataSource, schema: string): Promise<void> {
  const store = new EventStore(dataSource, { schema });
  trackServerCpu(dataSource);
  const constantHash = Buffer.alloc(32, 7);
  const plainSql = new Map([1, 10].map((rows) => [rows, plainInsertSql(schema, rows)]));

  const appendWriter =
    (batch: number): Writer =>
    async (streamId, version, seq) => {
      const events = Array.from({ length: batch }, (_, k) => sampleEvent(seq * batch + k));
      await store.append(streamId, version === 0 ? 'no_stream' : version, events);
    };
  const plainWriter =
    (batch: number): Writer =>
    async (streamId, version, seq) => {
      const params: unknown[] = [];
      for (let k = 0; k < batch; k++) {
        const event = sampleEvent(seq * batch + k);
        const eventId = baselineEventId();
        params.push(
          eventId,
          streamId,
          version + k + 1,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify({ ...event.metadata, eventId, schemaVersion: 1 }),
        );
      }
      params.push(constantHash);
      // A prepared statement on a connection borrowed through TypeORM, exactly as the store runs its own.
      const runner = dataSource.createQueryRunner();
      try {
        const client = (await runner.connect()) as PgClient;
        await client.query({
          name: `plain_insert_${batch}`,
          text: plainSql.get(batch) as string,
          values: params,
        });
      } finally {
        await runner.release();
      }
    };

  const [{ server_version: version }] = await dataSource.query('SHOW server_version');
  const [{ synchronous_commit: syncCommit }] = await dataSource.query('SHOW synchronous_commit');
  out(`bench:store on schema ${schema}: PostgreSQL ${version}, synchronous_commit=${syncCommit}`);
  out(
    `${settings.writers} concurrent writers, ${settings.seconds} s per measurement, ${settings.rounds} rounds`,
  );

  // Warm-up (connections, plan caches, JIT of the hot paths), not measured.
  await measure('warm-append', 1, appendWriter(1), 1);
  await measure('warm-plain', 1, plainWriter(1), 1);
  await measure('warm-append10', 10, appendWriter(10), 1);
  await measure('warm-plain10', 10, plainWriter(10), 1);

  const results = new Map<string, number[]>();
  const record = (key: string, value: number) => results.set(key, [...(results.get(key) ?? []), value]);
  const medianOf = (key: string) => median(results.get(key) ?? []);
  for (let round = 1; round <= settings.rounds; round++) {
    for (const batch of [1, 10]) {
      // Paired and alternated (store first in odd rounds, baseline first in even ones), so that load from
      // elsewhere on the machine and drift over the run hit both sides alike.
      const appendFirst = round % 2 === 1;
      const sides = appendFirst ? [appendWriter, plainWriter] : [plainWriter, appendWriter];
      const first = await measure(`r${round}`, batch, sides[0](batch), settings.seconds);
      const second = await measure(`r${round}b`, batch, sides[1](batch), settings.seconds);
      const [append, plain] = appendFirst ? [first, second] : [second, first];
      for (const [side, m] of [
        ['append', append],
        ['plain', plain],
      ] as const) {
        record(`${side}${batch}`, m.eventsPerSecond);
        record(`${side}${batch}-node`, m.nodeCpu);
        record(`${side}${batch}-server`, m.serverCpu);
      }
      record(`ratio${batch}`, append.eventsPerSecond / plain.eventsPerSecond);
      out(
        `  round ${round}, ${String(batch).padStart(2)}-event transactions: ` +
          `store ${fmt(append.eventsPerSecond)} ev/s, plain INSERT ${fmt(plain.eventsPerSecond)} ev/s, ` +
          `ratio ${(append.eventsPerSecond / plain.eventsPerSecond).toFixed(2)}`,
      );
    }
  }

  // Global read over at least settings.readEvents events: top the log up with 100-event appends.
  const countEvents = async () => {
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM "${schema}".events`);
    return count as number;
  };
  const missing = settings.readEvents - (await countEvents());
  if (missing > 0) {
    const started = performance.now();
    let next = 0;
    const filler = async (w: number) => {
      for (let i = 0; next < missing; i++) {
        const seq = next;
        next += 100;
        const events = Array.from({ length: 100 }, (_, k) => sampleEvent(seq + k));
        await store.append(`fill-w${w}-${i}`, 'no_stream', events);
      }
    };
    await Promise.all(Array.from({ length: settings.writers }, (_, w) => filler(w)));
    const seconds = (performance.now() - started) / 1000;
    out(
      `  filled the log to ${fmt(await countEvents())} events with 100-event appends in ${seconds.toFixed(1)} s`,
    );
  }
  await dataSource.query(`ANALYZE "${schema}".events`);
  const reads: number[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const { events, perSecond } = await readWholeLog(store);
    reads.push(perSecond);
    out(
      `  round ${round}, global read: ${fmt(events)} events in batches of ${settings.readBatch}: ${fmt(perSecond)} ev/s`,
    );
  }
  const plan: Array<{ 'QUERY PLAN': string }> = await dataSource.query(
    `EXPLAIN ANALYZE SELECT * FROM "${schema}".events e
     WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) AND (e.transaction_id, e.position) > ('0'::xid8, 0::bigint)
     ORDER BY e.transaction_id, e.position LIMIT ${settings.readBatch}`,
  );

  const row = (cells: string[]) => out(`| ${cells.join(' | ')} |`);
  const micros = (value: number) => (Number.isNaN(value) ? 'n/a' : `${value.toFixed(0)} µs`);
  out();
  row(['median of rounds', 'event store ev/s', 'plain INSERT ev/s', 'store / plain', 'aim']);
  row(['---', '---:', '---:', '---:', '---']);
  for (const batch of [1, 10]) {
    const ratio = medianOf(`ratio${batch}`);
    row([
      `append, ${batch}-event transactions`,
      fmt(medianOf(`append${batch}`)),
      fmt(medianOf(`plain${batch}`)),
      `${(ratio * 100).toFixed(0)} %`,
      `≥ 60 %: ${ratio >= 0.6 ? 'met' : 'missed'}`,
    ]);
  }
  const read = median(reads);
  row([
    `global read, readAll ${settings.readBatch}/page`,
    fmt(read),
    '-',
    '-',
    `≥ 50,000 ev/s: ${read >= 50_000 ? 'met' : 'missed'}`,
  ]);
  out('(store / plain: median of the per-round ratios of paired measurements)');
  out();
  row(['CPU per event (median)', 'store: Node', 'store: PostgreSQL', 'plain: Node', 'plain: PostgreSQL']);
  row(['---', '---:', '---:', '---:', '---:']);
  for (const batch of [1, 10]) {
    row([
      `${batch}-event transactions`,
      micros(medianOf(`append${batch}-node`)),
      micros(medianOf(`append${batch}-server`)),
      micros(medianOf(`plain${batch}-node`)),
      micros(medianOf(`plain${batch}-server`)),
    ]);
  }
  out();
  out('readAll plan (first page):');
  for (const row of plan) out(`  ${row['QUERY PLAN']}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:store failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
