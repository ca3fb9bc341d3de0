import { Transform } from 'class-transformer';
import { Check, Env } from '#libs/platform';
import { InvalidMasterKeys, MASTER_KEYS_FORMAT, type MasterKey, parseMasterKeys } from './master-keys.js';

/** Settings of a service that seals personal data with per-case keys. See docs/sealing.md. */
export class SealingConfig {
  @Env('SEALING_MASTER_KEYS', {
    secret: true,
    description:
      'Master keys that wrap the per-case data keys: id:base64url(32 bytes), comma-separated; the first wraps new keys, the others only unwrap (rotation)',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? parseMasterKeys(value) : value))
  @Check(
    (value) => Array.isArray(value) && value.length > 0,
    (value) => (value instanceof InvalidMasterKeys ? value.reason : MASTER_KEYS_FORMAT),
  )
  readonly masterKeys!: readonly MasterKey[];

  /** The key that wraps new case keys: the first of `SEALING_MASTER_KEYS`. */
  get activeMasterKey(): MasterKey {
    return this.masterKeys[0];
  }
}
