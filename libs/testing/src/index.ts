// Test-only helpers for integration tests on the real PostgreSQL and Kafka.
// The integration project's global setup (global-setup.ts) starts the infrastructure once per run.
export { testConfig } from './config.js';
export { createTestDataSource, dropSchema, type TestDataSourceOptions } from './database.js';
export {
  createTopics,
  deleteTopics,
  kafkaAdmin,
  type ReadAllOptions,
  readAllFromTopic,
  type TopicRecord,
  testKafka,
} from './kafka.js';
export { uniqueName } from './names.js';
export { type InfraSettings, resolveInfraSettings } from './settings.js';
export { eventually, type WaitForOptions, WaitForTimeoutError, waitFor } from './wait-for.js';
