import 'reflect-metadata';
import { AccessLogConfig } from '#libs/audit';
import { AuthConfig, hardenHttp } from '#libs/auth';
import { bootstrapService, DatabaseConfig, KafkaConfig } from '#libs/platform';
import { TimelineConfig } from './timeline.config.js';
import { TimelineModule } from './timeline.module.js';

await bootstrapService(TimelineModule, {
  name: 'timeline',
  config: {
    database: DatabaseConfig,
    kafka: KafkaConfig,
    auth: AuthConfig,
    audit: AccessLogConfig,
    timeline: TimelineConfig,
  },
  defaults: { HTTP_PORT: '3005' },
  openApi: { title: 'timeline', description: 'Every case event in order, with stages and legal clocks.' },
  configureHttp: (app, config) => hardenHttp(app, { auth: config.auth }),
});
