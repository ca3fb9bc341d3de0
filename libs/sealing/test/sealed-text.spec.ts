import { randomBytes } from 'node:crypto';
import { fromJson, toJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { SealedTextSchema } from '#libs/contracts';
import {
  SealTamperedError,
  sealedFromJson,
  sealedFromMessage,
  sealedToJson,
  sealedToMessage,
} from '../src/index.js';

const sealed = { ciphertext: new Uint8Array(randomBytes(61)), keyId: 'ck1-0123456789abcdef0123456789abcdef' };

describe('SealedText conversions', () => {
  it('writes the same JSON as protobuf-es and reads it back', () => {
    const json = sealedToJson(sealed);
    expect(json).toEqual(toJson(SealedTextSchema, sealedToMessage(sealed)));
    expect(sealedFromJson(json)).toEqual(sealed);
    expect(sealedFromMessage(fromJson(SealedTextSchema, json))).toEqual(sealed);
  });

  it('reads URL-safe base64 too, as protobuf JSON allows', () => {
    const json = { ciphertext: Buffer.from(sealed.ciphertext).toString('base64url'), keyId: sealed.keyId };
    expect(sealedFromJson(json)).toEqual(sealed);
  });

  it.each([
    ['no key id', { ciphertext: 'AAAA' }],
    ['no ciphertext', { keyId: sealed.keyId }],
    ['a ciphertext that is not base64', { ciphertext: 'not base64!', keyId: sealed.keyId }],
  ])('refuses %s', (_, json) => {
    expect(() => sealedFromJson(json)).toThrow(SealTamperedError);
  });
});
