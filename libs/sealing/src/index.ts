/**
 * Per-case sealing of personal data: AES-256-GCM data keys, one per case, wrapped by master keys from
 * `SEALING_MASTER_KEYS`, destroyed at erasure (crypto-shredding). See docs/sealing.md.
 */
export {
  type CaseKeyInfo,
  CaseKeyring,
  type CaseKeyringOptions,
  type DestroyRequest,
  type KeyDestruction,
  type MasterKeyUsage,
  SEALED_TEXT_VERSION,
  type Sealed,
  SHREDDING_METHOD,
  WRAPPED_KEY_VERSION,
} from './case-keyring.js';
export { KeyDestroyedError, SealingUsageError, SealTamperedError, UnknownKeyError } from './errors.js';
export {
  MASTER_KEY_COMMANDS,
  type MasterKeyCommand,
  type MasterKeyReport,
  runMasterKeyCommand,
} from './master-key-admin.js';
export { InvalidMasterKeys, MasterKey, parseMasterKeys } from './master-keys.js';
export { sealingMigrations } from './migrations.js';
export { sealedFromJson, sealedFromMessage, sealedToJson, sealedToMessage } from './sealed-text.js';
export { SealingConfig } from './sealing.config.js';
export { CaseTextOpener, type OpenedText } from './text-opener.js';
