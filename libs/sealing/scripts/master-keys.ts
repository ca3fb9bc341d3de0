/**
 * Master-key maintenance for one service schema (docs/sealing.md, "Rotation procedure"):
 *
 *   DATABASE_URL=… DB_SCHEMA=intake SEALING_MASTER_KEYS=new:…,old:… npm run sealing:master-keys -- rewrap
 *   … npm run sealing:master-keys -- usage
 *
 * Prints a JSON report (ids and counts only, never a key); exit 2 on a wrong command, 78 on bad configuration.
 */
import { ConfigError, EXIT_CONFIG } from '#libs/platform';
import { MASTER_KEY_COMMANDS, type MasterKeyCommand, runMasterKeyCommand } from '../src/master-key-admin.js';

const command = process.argv[2];

if (!MASTER_KEY_COMMANDS.includes(command as MasterKeyCommand)) {
  process.stderr.write(`usage: master-keys ${MASTER_KEY_COMMANDS.join('|')}\n`);
  process.exit(2);
}

try {
  const report = await runMasterKeyCommand(command as MasterKeyCommand, process.env);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  throw error;
}
