import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, hardenHttp } from '#libs/auth';
import { DatabaseConfig, type Environment, KafkaConfig, type ServiceOptions } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import { PublisherConfig } from './publisher.config.js';

/** Everything publisher reads from the environment (docs/configuration.md). */
export const PUBLISHER_CONFIG = {
  database: DatabaseConfig,
  kafka: KafkaConfig,
  auth: AuthConfig,
  audit: AccessLogConfig,
  sealing: SealingConfig,
  publisher: PublisherConfig,
} as const;

/** The service options of publisher (main.ts, and tests that boot it in their process). */
export function publisherServiceOptions(env?: Environment): ServiceOptions<typeof PUBLISHER_CONFIG> {
  return {
    name: 'publisher',
    config: PUBLISHER_CONFIG,
    env,
    defaults: { HTTP_PORT: '3004' },
    openApi: {
      title: 'publisher',
      description:
        'Public statements (公表文) and regulator report drafts, agreed with the client, then published (Art. 16(3)).',
    },
    configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
  };
}
