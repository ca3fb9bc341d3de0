import type { SealedTextJson } from '#libs/contracts';
import type { CaseKeyring } from './case-keyring.js';
import { KeyDestroyedError } from './errors.js';
import { sealedFromJson } from './sealed-text.js';

/** A case text opened for reading: the text, or the fact that the case's data was erased (Art. 7). */
export type OpenedText = { readonly text: string } | { readonly erased: true };

/**
 * Opens sealed case texts (the protobuf JSON form events carry) with one keyring, for pages, mails and
 * drafts. A destroyed key is not an error: the reader shows that the text was erased. An absent or empty
 * value is `undefined`. It only unseals: it never creates a key, so it may run on another service's keys.
 */
export class CaseTextOpener {
  constructor(private readonly keyring: CaseKeyring) {}

  async open(sealed: SealedTextJson | undefined, purpose: string): Promise<OpenedText | undefined> {
    if (!sealed?.ciphertext || !sealed.keyId) return undefined;
    try {
      return { text: await this.keyring.unseal(sealedFromJson(sealed), purpose) };
    } catch (error) {
      if (error instanceof KeyDestroyedError) return { erased: true };
      throw error;
    }
  }
}
