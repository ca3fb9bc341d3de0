import { inject } from 'vitest';
import { type InfraSettings, resolveInfraSettings } from './settings.js';

/**
 * The connection settings of the current test run: the values the integration project's global
 * setup provided, or (in a project without that setup) the same values resolved from the environment.
 */
export function testConfig(): InfraSettings {
  const fallback = resolveInfraSettings(process.env);
  return {
    databaseUrl: inject('databaseUrl') ?? fallback.databaseUrl,
    kafkaBrokers: inject('kafkaBrokers') ?? fallback.kafkaBrokers,
  };
}
