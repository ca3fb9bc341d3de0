import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import {
  canonicalContent,
  canonicalContentFromParts,
  computeEventHash,
  GENESIS_HASH,
  hashCanonicalContent,
} from './hash-chain.js';

const content = {
  streamId: 'case-7',
  streamVersion: 1,
  eventId: '0194a3b2-7c00-7000-8000-000000000001',
  type: 'IncidentReported',
  data: { summary: 'USB stick lost', records: 120 },
  metadata: { occurredAt: '2026-01-15T09:30:00.000Z', actor: { kind: 'user', id: 'u1' }, schemaVersion: 1 },
};

describe('hash chain', () => {
  it('hashes the previous hash followed by the UTF-8 canonical content (the documented byte layout)', () => {
    const text =
      '{"data":{"records":120,"summary":"USB stick lost"},"eventId":"0194a3b2-7c00-7000-8000-000000000001",' +
      '"metadata":{"actor":{"id":"u1","kind":"user"},"occurredAt":"2026-01-15T09:30:00.000Z","schemaVersion":1},' +
      '"streamId":"case-7","streamVersion":1,"type":"IncidentReported"}';
    expect(canonicalContent(content)).toBe(text);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.alloc(32), Buffer.from(text, 'utf8')]))
      .digest('hex');
    expect(computeEventHash(GENESIS_HASH, content).toString('hex')).toBe(expected);
    // Pinned, so that a change of format cannot go unnoticed (stored chains would stop verifying).
    expect(expected).toBe('8b0c8870c89070ca1ad617d90e7c77d6a87d90b14aefecf360b04c308cca98b1');
  });

  it('chains: the next event hashes over the previous hash', () => {
    const first = computeEventHash(GENESIS_HASH, content);
    const second = computeEventHash(first, { ...content, streamVersion: 2 });
    const unchained = computeEventHash(GENESIS_HASH, { ...content, streamVersion: 2 });
    expect(second.equals(unchained)).toBe(false);
    expect(GENESIS_HASH.equals(Buffer.alloc(32))).toBe(true);
  });

  it('builds the same text from parts that are already canonical (the append path)', () => {
    const fromParts = canonicalContentFromParts({
      ...content,
      canonicalData: canonicalJson(content.data),
      canonicalMetadata: canonicalJson(content.metadata),
    });
    expect(fromParts).toBe(canonicalContent(content));
    expect(
      hashCanonicalContent(GENESIS_HASH, fromParts).equals(computeEventHash(GENESIS_HASH, content)),
    ).toBe(true);
  });

  it('changes with any covered field', () => {
    const base = computeEventHash(GENESIS_HASH, content).toString('hex');
    const variants = [
      { ...content, streamId: 'case-8' },
      { ...content, streamVersion: 2 },
      { ...content, eventId: '0194a3b2-7c00-7000-8000-000000000002' },
      { ...content, type: 'IncidentReportedAgain' },
      { ...content, data: { ...content.data, records: 121 } },
      { ...content, metadata: { ...content.metadata, schemaVersion: 2 } },
    ];
    for (const variant of variants) {
      expect(computeEventHash(GENESIS_HASH, variant).toString('hex')).not.toBe(base);
    }
  });
});
