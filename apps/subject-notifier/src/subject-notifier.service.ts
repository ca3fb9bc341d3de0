import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, hardenHttp } from '#libs/auth';
import { MailConfig } from '#libs/mail';
import { DatabaseConfig, type Environment, KafkaConfig, type ServiceOptions } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import { SubjectNotifierConfig } from './subject-notifier.config.js';

/** Everything subject-notifier reads from the environment (docs/configuration.md). */
export const SUBJECT_NOTIFIER_CONFIG = {
  database: DatabaseConfig,
  kafka: KafkaConfig,
  auth: AuthConfig,
  audit: AccessLogConfig,
  mail: MailConfig,
  sealing: SealingConfig,
  subjects: SubjectNotifierConfig,
} as const;

/** The service options of subject-notifier (main.ts, and tests that boot it in their process). */
export function subjectNotifierServiceOptions(
  env?: Environment,
): ServiceOptions<typeof SUBJECT_NOTIFIER_CONFIG> {
  return {
    name: 'subject-notifier',
    config: SUBJECT_NOTIFIER_CONFIG,
    env,
    defaults: { HTTP_PORT: '3003' },
    openApi: {
      title: 'subject-notifier',
      description:
        'Notices to the affected persons (Art. 16(2)): import, campaigns on instruction, delivery, letters, calls, public notice, erasure.',
    },
    configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
  };
}
