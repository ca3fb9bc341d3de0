import { create } from '@bufbuild/protobuf';
import { type SealedText, type SealedTextJson, SealedTextSchema } from '#libs/contracts';
import type { Sealed } from './case-keyring.js';
import { SealTamperedError } from './errors.js';

/**
 * Conversions between a sealed value and the `leakresponse.common.v1.SealedText` contract, in the
 * protobuf JSON form the event store keeps (`{ ciphertext: <base64>, keyId }`) and as a message.
 */

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/** The protobuf JSON form: standard base64 with padding, as protobuf-es writes it. */
export function sealedToJson(sealed: Sealed): SealedTextJson {
  return { ciphertext: Buffer.from(sealed.ciphertext).toString('base64'), keyId: sealed.keyId };
}

/**
 * Reads the protobuf JSON form (standard or URL-safe base64, as protobuf JSON allows). A missing field or
 * malformed base64 is refused with `SealTamperedError`: it can only come from altered or foreign data.
 */
export function sealedFromJson(json: SealedTextJson): Sealed {
  const keyId = json.keyId ?? '';
  if (keyId === '') throw new SealTamperedError('(none)', 'the SealedText has no key id');
  const ciphertext = json.ciphertext ?? '';
  if (ciphertext === '' || !BASE64.test(ciphertext)) {
    throw new SealTamperedError(keyId, 'the SealedText ciphertext is missing or not base64');
  }
  return { ciphertext: new Uint8Array(Buffer.from(ciphertext, 'base64')), keyId };
}

/** The contract message, for code that builds events with protobuf-es `create`. */
export function sealedToMessage(sealed: Sealed): SealedText {
  return create(SealedTextSchema, { ciphertext: sealed.ciphertext, keyId: sealed.keyId });
}

export function sealedFromMessage(message: SealedText): Sealed {
  return { ciphertext: message.ciphertext, keyId: message.keyId };
}
