// Test-only helpers for integration tests on the real PostgreSQL and Kafka.
// The integration project's global setup (global-setup.ts) starts the infrastructure once per run.

export {
  authEnv,
  generateTestKeys,
  type SignOptions,
  signAccessToken,
  type TestKeys,
  testPrincipal,
} from './auth.js';
export { testConfig } from './config.js';
export {
  type DeclaredVariable,
  type DocumentedVariable,
  documentationProblems,
  readConfigurationDoc,
} from './configuration-doc.js';
export { createTestDataSource, dropSchema, type TestDataSourceOptions } from './database.js';
export { type IdentityFixture, identityFixture } from './identity-fixture.js';
export {
  createTopics,
  deleteTopics,
  kafkaAdmin,
  type ReadAllOptions,
  readAllFromTopic,
  type TopicRecord,
  testKafka,
  topicEnds,
} from './kafka.js';
export { uniqueName } from './names.js';
export { sealingEnv } from './sealing.js';
export { freePort, type ServiceProcess, startServiceProcess, waitUntilReady } from './service-process.js';
export { type InfraSettings, resolveInfraSettings } from './settings.js';
export { eventually, type WaitForOptions, WaitForTimeoutError, waitFor } from './wait-for.js';
