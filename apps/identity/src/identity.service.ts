import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, hardenHttp } from '#libs/auth';
import { DatabaseConfig, type Environment, KafkaConfig, type ServiceOptions } from '#libs/platform';
import { AUDIT_ANALYSIS_CONFIG } from './audit/audit-analysis.module.js';
import { LOGIN_PATH, loginLimiterPerIp } from './auth/login-rate-limit.js';
import { IdentityConfig } from './identity.config.js';

export const IDENTITY_CONFIG = {
  database: DatabaseConfig,
  auth: AuthConfig,
  identity: IdentityConfig,
  audit: AccessLogConfig,
  kafka: KafkaConfig,
  ...AUDIT_ANALYSIS_CONFIG,
};
export type IdentityConfigShape = typeof IDENTITY_CONFIG;

/**
 * How the identity service is started: by `main.ts`, and by the tests with an environment of their
 * own, so both run the same configuration, hardening and sign-in limits.
 */
export function identityServiceOptions(env?: Environment): ServiceOptions<IdentityConfigShape> {
  return {
    name: 'identity',
    config: IDENTITY_CONFIG,
    env,
    defaults: { HTTP_PORT: '3006' },
    openApi: {
      title: 'identity',
      description: 'Organisations, users, contracts, sign-in, API tokens and the access-token keys.',
    },
    configureHttp: (app, config) => {
      hardenHttp(app, { auth: config.auth });
      app.use(LOGIN_PATH, loginLimiterPerIp(config.identity));
    },
  };
}
