import { afterEach, describe, expect, it } from 'vitest';
import { compiledFixture, ServiceProcess } from './support/service-process.js';

/**
 * A service started without a required variable, or with a malformed one, exits non-zero (78,
 * EX_CONFIG) before starting anything, naming each bad variable on stderr, and never prints a secret.
 * Runs the compiled fixture as a real process: `npm run build` first.
 */

const EX_CONFIG = 78;
const SECRET = 'hunter2-very-secret';

const completeEnv = (): Record<string, string> => ({
  DATA_RESIDENCY_REGION: 'jp',
  DATABASE_URL: `postgres://app:${SECRET}@db.internal:5432/leak_response`,
  KAFKA_BROKERS: 'kafka-1:9092',
});

describe('a service started with bad configuration', () => {
  const script = compiledFixture('config-exit');
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    await service?.stop();
  });

  async function run(env: Record<string, string>) {
    service = new ServiceProcess(script, env);
    const exit = await service.exited;
    return { ...exit, stderr: service.stderr, stdout: service.stdout };
  }

  it('exits with 78 naming every required variable that is missing', async () => {
    const result = await run({});
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toContain('config-exit-fixture: refusing to start.');
    for (const variable of ['DATABASE_URL', 'KAFKA_BROKERS', 'DATA_RESIDENCY_REGION']) {
      expect(result.stderr).toContain(`${variable}: is required but not set`);
    }
    expect(result.stdout).toBe('');
  });

  it('exits with 78 naming a malformed variable, with a JSON line for the log pipeline, never printing a secret', async () => {
    const result = await run({ ...completeEnv(), KAFKA_BROKERS: 'kafka-1', DB_POOL_SIZE: 'many' });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toContain(
      'KAFKA_BROKERS: must be a comma-separated list of host:port (got "kafka-1")',
    );
    expect(result.stderr).toContain('DB_POOL_SIZE: must be an integer between 1 and 100 (got "many")');
    expect(result.stderr).not.toContain(SECRET);

    const jsonLine = result.stderr.split('\n').find((line) => line.startsWith('{'));
    expect(JSON.parse(jsonLine ?? '{}')).toMatchObject({
      level: 'fatal',
      service: 'config-exit-fixture',
      msg: 'invalid configuration',
      problems: expect.arrayContaining([
        { variable: 'KAFKA_BROKERS', reason: 'must be a comma-separated list of host:port (got "kafka-1")' },
      ]),
    });
  });

  it('refuses a data residency outside Japan (contract Art. 6(3))', async () => {
    const result = await run({ ...completeEnv(), DATA_RESIDENCY_REGION: 'us-east' });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toContain('DATA_RESIDENCY_REGION: is outside the allowed data residency (jp)');
  });
});
