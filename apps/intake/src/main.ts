import 'reflect-metadata';
import { bootstrapService, DatabaseConfig, KafkaConfig } from '#libs/platform';
import { IntakeModule } from './intake.module.js';

await bootstrapService(IntakeModule, {
  name: 'intake',
  config: { database: DatabaseConfig, kafka: KafkaConfig },
  defaults: { HTTP_PORT: '3001' },
  openApi: { title: 'intake', description: 'Report a leak and manage its case (Art. 16).' },
});
