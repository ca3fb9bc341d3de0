import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The real service entry point, started as a process without its required configuration, must
 * refuse to start with a message that names each missing variable (and start nothing).
 * Runs the compiled service: `npm test` builds first.
 */
const entry = 'dist/apps/intake/src/main.js';

describe('intake refuses a missing configuration', () => {
  it('exits 78 and names DATABASE_URL, KAFKA_BROKERS, DATA_RESIDENCY_REGION, AUTH_PUBLIC_KEYS and SEALING_MASTER_KEYS', () => {
    expect(existsSync(entry), `${entry} is missing: run npm run build`).toBe(true);
    const result = spawnSync(process.execPath, [entry], {
      env: { PATH: process.env.PATH ?? '', HTTP_PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    const required = [
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'DATA_RESIDENCY_REGION',
      'AUTH_PUBLIC_KEYS',
      'SEALING_MASTER_KEYS',
    ];
    for (const variable of required) {
      expect(result.stderr).toContain(variable);
    }
    expect(result.stdout).not.toContain('listening');
  });

  it('exits 78 when the data residency is outside Japan (Art. 6(3))', () => {
    const result = spawnSync(process.execPath, [entry], {
      env: {
        PATH: process.env.PATH ?? '',
        HTTP_PORT: '0',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/leak_response_test',
        KAFKA_BROKERS: '127.0.0.1:9092',
        DATA_RESIDENCY_REGION: 'us-east-1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('DATA_RESIDENCY_REGION');
  });
});
