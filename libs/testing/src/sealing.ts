import { randomBytes } from 'node:crypto';

/**
 * The environment of a service that seals case texts (`SealingConfig` of libs/sealing): one fresh random
 * master key, so every test run seals under its own key.
 */
export function sealingEnv(): { SEALING_MASTER_KEYS: string } {
  return { SEALING_MASTER_KEYS: `test1:${randomBytes(32).toString('base64url')}` };
}
