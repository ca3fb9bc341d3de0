import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, hardenHttp, LinkConfig } from '#libs/auth';
import { MailConfig } from '#libs/mail';
import { DatabaseConfig, type Environment, KafkaConfig, type ServiceOptions } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import { ClientNotifierConfig } from './client-notifier.config.js';

/** Everything client-notifier reads from the environment (docs/configuration.md). */
export const CLIENT_NOTIFIER_CONFIG = {
  database: DatabaseConfig,
  kafka: KafkaConfig,
  auth: AuthConfig,
  audit: AccessLogConfig,
  links: LinkConfig,
  mail: MailConfig,
  sealing: SealingConfig,
  notifier: ClientNotifierConfig,
} as const;

/** The service options of client-notifier (main.ts, and tests that boot it in their process). */
export function clientNotifierServiceOptions(
  env?: Environment,
): ServiceOptions<typeof CLIENT_NOTIFIER_CONFIG> {
  return {
    name: 'client-notifier',
    config: CLIENT_NOTIFIER_CONFIG,
    env,
    defaults: { HTTP_PORT: '3002' },
    openApi: {
      title: 'client-notifier',
      description:
        'The correspondence with the client about a leak: first notice, acknowledgement, reminders, escalation and updates (Art. 16(1)).',
    },
    configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
  };
}
