import 'reflect-metadata';
import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, hardenHttp } from '#libs/auth';
import { bootstrapService, DatabaseConfig, KafkaConfig } from '#libs/platform';
import { SealingConfig } from '#libs/sealing';
import { IntakeModule } from './intake.module.js';

await bootstrapService(IntakeModule, {
  name: 'intake',
  config: {
    database: DatabaseConfig,
    kafka: KafkaConfig,
    auth: AuthConfig,
    audit: AccessLogConfig,
    sealing: SealingConfig,
  },
  defaults: { HTTP_PORT: '3001' },
  openApi: { title: 'intake', description: 'Report a leak and manage its case (Art. 16).' },
  configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
});
