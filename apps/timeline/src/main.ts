import 'reflect-metadata';
import { bootstrapService, DatabaseConfig, KafkaConfig } from '#libs/platform';
import { TimelineModule } from './timeline.module.js';

await bootstrapService(TimelineModule, {
  name: 'timeline',
  config: { database: DatabaseConfig, kafka: KafkaConfig },
  defaults: { HTTP_PORT: '3005' },
  openApi: { title: 'timeline', description: 'Every case event in order, with stages and legal clocks.' },
});
