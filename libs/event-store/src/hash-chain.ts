import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * The per-stream hash chain.
 *
 *   hash(v) = SHA-256( hash(v - 1) ‖ UTF-8( canonicalJson({ streamId, streamVersion, eventId, type, data, metadata }) ) )
 *
 * where `hash(0)` is {@link GENESIS_HASH} (32 zero bytes) and `‖` is byte concatenation. `metadata` is the
 * metadata object exactly as stored (with `eventId` and `schemaVersion` filled in). Store-assigned values
 * (global position, transaction id, recorded-at) are not covered: they are not part of the event's meaning
 * and are only known inside the database.
 */

export const HASH_BYTES = 32;

/** The "previous hash" of version 1 of every stream. */
export const GENESIS_HASH: Buffer = Buffer.alloc(HASH_BYTES);

/** The fields of an event that its hash covers. */
export interface HashedContent {
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

/** The exact text whose UTF-8 bytes follow the previous hash in the hashed input. */
export function canonicalContent(content: HashedContent): string {
  return canonicalJson({
    streamId: content.streamId,
    streamVersion: content.streamVersion,
    eventId: content.eventId,
    type: content.type,
    data: content.data,
    metadata: content.metadata,
  });
}

/**
 * The same text as {@link canonicalContent}, assembled from `data` and `metadata` that are already in
 * canonical form (the append path canonicalises them once and stores that very text as jsonb).
 * The member order below is the sorted key order: data, eventId, metadata, streamId, streamVersion, type.
 */
export function canonicalContentFromParts(parts: {
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  canonicalData: string;
  canonicalMetadata: string;
}): string {
  return (
    `{"data":${parts.canonicalData},"eventId":${JSON.stringify(parts.eventId)},` +
    `"metadata":${parts.canonicalMetadata},"streamId":${JSON.stringify(parts.streamId)},` +
    `"streamVersion":${canonicalJson(parts.streamVersion)},"type":${JSON.stringify(parts.type)}}`
  );
}

/** SHA-256 over the previous hash followed by the UTF-8 bytes of the canonical content text. */
export function hashCanonicalContent(prevHash: Uint8Array, canonicalText: string): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalText, 'utf8').digest();
}

export function computeEventHash(prevHash: Uint8Array, content: HashedContent): Buffer {
  return hashCanonicalContent(prevHash, canonicalContent(content));
}
