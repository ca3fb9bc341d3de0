import type { SealedTextJson } from '#libs/contracts';
import { type CaseKeyring, KeyDestroyedError, sealedFromJson } from '#libs/sealing';

/** A case text opened for a draft: the text, or the fact that the case's data was erased (Art. 7). */
export type OpenedText = { readonly text: string } | { readonly erased: true };

/**
 * Opens the free text of intake's events with the case keys in intake's schema (`INTAKE_SCHEMA`): a
 * deliberate read outside the service's own schema (SELECT on `case_keys`, the same one client-notifier
 * makes; docs/publisher.md). It only unseals: `unseal` never creates a key. A destroyed key (the case was
 * erased) is not an error: the draft then says the text was erased.
 */
export class IntakeCaseTexts {
  constructor(private readonly keyring: CaseKeyring) {}

  async open(sealed: SealedTextJson | undefined, purpose: string): Promise<OpenedText | undefined> {
    if (sealed?.ciphertext === undefined || sealed.keyId === undefined) return undefined;
    try {
      return { text: await this.keyring.unseal(sealedFromJson(sealed), purpose) };
    } catch (error) {
      if (error instanceof KeyDestroyedError) return { erased: true };
      throw error;
    }
  }
}
