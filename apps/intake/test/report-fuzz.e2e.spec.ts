import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntakeUnderTest, startIntake } from './support.js';

/**
 * 5,000 malformed report bodies over real HTTP against the real service: every one is answered with a 4xx
 * (never a 5xx, never a 2xx) and not one case, event or case key is stored. The bodies come from a seeded
 * generator, so a failure names a seed that replays it.
 */
const BODIES = 5_000;
const CONCURRENCY = 16;
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const contractId = randomUUID();

let intake: IntakeUnderTest;
let baseUrl: string;
let authorization: string;

beforeAll(async () => {
  intake = await startIntake('e2e_intake_fuzz');
  const server = intake.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ authorization } = await intake.bearer('reporter', [contractId]));
}, 60_000);

afterAll(async () => {
  await intake?.close();
});

/** A small seeded PRNG (mulberry32): the same seed gives the same bodies. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const text = (max: number) =>
    Array.from({ length: int(max) }, () =>
      String.fromCodePoint(pick([0x20, 0x41, 0x3042, 0x1f600, 0xd800]) + int(40)),
    ).join('');
  return { next, int, pick, text };
}

const valid = () => ({
  contractId,
  discoveredAt: '2026-11-20T08:30:00.000Z',
  occurredAt: '2026-11-19T22:00:00.000Z',
  description: 'a customer list was sent to a wrong address',
  dataKinds: ['name', 'email'],
  persons: { precision: 'about', value: 800 },
  records: { precision: 'unknown' },
  place: { medium: 'email' },
  circumstances: { howDiscovered: 'the recipient called' },
  encrypted: 'no',
});

type Rng = ReturnType<typeof prng>;

/** Values that are wrong for the field they are put in (each list holds only wrong values). */
const WRONG: Record<string, (r: Rng) => unknown> = {
  contractId: (r) => r.pick([r.text(40), 42, null, {}, [], randomUUID().slice(1), randomUUID()]),
  discoveredAt: (r) =>
    r.pick([r.text(30), 1732000000, null, '2026-13-01T00:00:00Z', '2099-01-01T00:00:00.000Z', '']),
  occurredAt: (r) => r.pick([r.text(30), 7, '2026-11-21T00:00:00.000Z', '2026-02-30T00:00:00Z', {}]),
  description: (r) => r.pick(['', '   \n\t', 12, null, ['a'], { text: 'x' }, 'x'.repeat(10_001 + r.int(50))]),
  dataKinds: (r) => r.pick(['name', [r.text(12) || 'x'], [1], { 0: 'name' }, Array(12).fill('name'), [null]]),
  persons: (r) =>
    r.pick([
      { precision: r.text(10) || 'maybe', value: 1 },
      { precision: 'exact', value: -1 - r.int(1000) },
      { precision: 'exact', value: 1.5 },
      { precision: 'about', value: '12' },
      { precision: 'at_least', value: 1e300 },
      { precision: 'exact' },
      'many',
      [],
    ]),
  records: (r) => r.pick([{ precision: 'exact', value: -5 }, { precision: null }, 3, { value: 3 }]),
  place: (r) => r.pick(['office', { site: 5 }, { planet: 'mars' }, { site: '' }, [r.text(5)]]),
  circumstances: (r) => r.pick([{ whatHappened: [] }, { why: 'x' }, 'bad', { howDiscovered: ' ' }]),
  encrypted: (r) => r.pick([true, 'YES', r.text(6) || 'perhaps', 1, null]),
  improperPurposeSuspected: (r) => r.pick([false, 'maybe', 0]),
  euPersonsPossiblyAffected: (r) => r.pick(['eu', [], {}]),
  measuresTaken: (r) => r.pick(['', 9, { text: 'x' }, 'y'.repeat(10_001)]),
};

const REQUIRED = ['contractId', 'discoveredAt', 'description'];

/** One malformed body, and its content type. */
function malformed(r: Rng): { body: string; contentType: string } {
  const json = 'application/json';
  switch (r.int(7)) {
    case 0: {
      // JSON cut short or with a stray character
      const text = JSON.stringify(valid());
      const cut = 1 + r.int(text.length - 2);
      return {
        body: r.next() < 0.5 ? text.slice(0, cut) : `${text.slice(0, cut)}\u0000${text.slice(cut)}`,
        contentType: json,
      };
    }
    case 1:
      // JSON that is not an object
      return {
        body: r.pick(['null', '42', '"report"', '[]', 'true', '[{"contractId":1}]']),
        contentType: json,
      };
    case 2: {
      // a required item missing
      const body: Record<string, unknown> = valid();
      delete body[r.pick(REQUIRED)];
      return { body: JSON.stringify(body), contentType: json };
    }
    case 3: {
      // one to three items wrong
      const body: Record<string, unknown> = valid();
      const fields = Object.keys(WRONG);
      for (let i = 0; i <= r.int(3); i += 1) {
        const field = r.pick(fields);
        body[field] = WRONG[field](r);
      }
      return { body: JSON.stringify(body), contentType: json };
    }
    case 4: {
      // fields that do not exist, including prototype keys
      const key = r.pick(['__proto__', 'constructor', 'prototype', 'caseId', 'status', r.text(8) || 'z']);
      return {
        body: JSON.stringify(valid()).replace(
          /^\{/,
          `{${JSON.stringify(key)}:${JSON.stringify({ polluted: true })},`,
        ),
        contentType: json,
      };
    }
    case 5: {
      // deep nesting
      const depth = 100 + r.int(5000);
      return { body: `{"contractId":${'['.repeat(depth)}${']'.repeat(depth)}}`, contentType: json };
    }
    default:
      // a valid body declared as another type, or random bytes as JSON
      return r.next() < 0.5
        ? {
            body: JSON.stringify(valid()),
            contentType: r.pick(['text/plain', 'application/xml', 'multipart/form-data']),
          }
        : { body: r.text(200), contentType: json };
  }
}

async function countStored() {
  const [row] = await intake.query<{ events: number; keys: number; summaries: number }>(
    `SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM case_keys) AS keys,
            (SELECT count(*)::int FROM case_summaries) AS summaries`,
  );
  return row;
}

describe('the report endpoint under 5,000 malformed bodies', () => {
  it('answers every one with a 4xx, never a 5xx, and stores nothing', async () => {
    const r = prng(SEED);
    const bodies = Array.from({ length: BODIES }, () => malformed(r));
    const statuses = new Map<number, number>();
    const unexpected: Array<{ index: number; status: number; body: string }> = [];
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const index = next++;
        const { body, contentType } = bodies[index];
        const res = await fetch(`${baseUrl}/cases`, {
          method: 'POST',
          headers: { authorization, 'content-type': contentType },
          body,
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status < 400 || res.status >= 500)
          unexpected.push({ index, status: res.status, body: body.slice(0, 2000) });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(unexpected, `seed ${SEED}: ${JSON.stringify(unexpected.slice(0, 5))}`).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(BODIES);
    expect(await countStored()).toEqual({ events: 0, keys: 0, summaries: 0 });
  }, 180_000);
});
