import { deleteTopics, testConfig } from '#libs/testing';
import { KafkaTransport } from '../src/index.js';
import { deleteGroups } from './support.js';
import { transportContract } from './transport-contract.js';

transportContract(
  'KafkaTransport',
  () =>
    new KafkaTransport({
      brokers: testConfig().kafkaBrokers,
      clientId: 'messaging-contract-test',
      consumer: { redeliveryDelayMs: 100 },
    }),
  async ({ topics, groups }) => {
    await deleteGroups(groups);
    await deleteTopics(topics);
  },
);
