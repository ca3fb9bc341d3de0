import { DataSource } from 'typeorm';
import { DatabaseConfig, type Environment, loadConfig } from '#libs/platform';
import { CaseKeyring, type MasterKeyUsage } from './case-keyring.js';
import { SealingConfig } from './sealing.config.js';

/** What `npm run sealing:master-keys -- <command>` can do; see docs/sealing.md, "Rotation procedure". */
export const MASTER_KEY_COMMANDS = ['usage', 'rewrap'] as const;
export type MasterKeyCommand = (typeof MASTER_KEY_COMMANDS)[number];

export interface MasterKeyReport {
  readonly schema: string;
  readonly activeMasterKeyId: string;
  /** case keys re-wrapped under the active master key (`rewrap` only) */
  readonly rewrapped?: number;
  /** live case keys per master key, after the command */
  readonly usage: readonly MasterKeyUsage[];
  /** configured master keys that wrap no live case key: candidates for removal once not active */
  readonly unusedMasterKeyIds: readonly string[];
}

/**
 * Runs a master-key maintenance command against one service schema (`DB_SCHEMA`), with the service's own
 * `DATABASE_URL` and `SEALING_MASTER_KEYS`. Throws the platform's `ConfigError` on bad configuration.
 */
export async function runMasterKeyCommand(
  command: MasterKeyCommand,
  env: Environment,
): Promise<MasterKeyReport> {
  const config = loadConfig({ database: DatabaseConfig, sealing: SealingConfig }, { env });
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.database.url,
    poolSize: 2,
    applicationName: 'sealing-master-keys',
    synchronize: false,
  });
  await dataSource.initialize();
  try {
    const keyring = new CaseKeyring(dataSource, config.database.schema, config.sealing);
    const rewrapped = command === 'rewrap' ? await keyring.rewrapUnderActiveMasterKey() : undefined;
    const usage = await keyring.masterKeyUsage();
    const used = new Set(usage.map((entry) => entry.masterKeyId));
    return {
      schema: config.database.schema,
      activeMasterKeyId: config.sealing.activeMasterKey.id,
      ...(rewrapped === undefined ? {} : { rewrapped }),
      usage,
      unusedMasterKeyIds: config.sealing.masterKeys.map((key) => key.id).filter((id) => !used.has(id)),
    };
  } finally {
    await dataSource.destroy();
  }
}
