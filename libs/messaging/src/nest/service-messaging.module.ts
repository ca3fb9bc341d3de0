import type { DynamicModule } from '@nestjs/common';
import { BROKER_HEALTH, KafkaConfig, type Logger, PLATFORM_LOGGER } from '#libs/platform';
import { createTransport } from '../transport-factory.js';
import { MESSAGING_TRANSPORT, MessagingModule } from './messaging.module.js';

/**
 * The messaging of a platform service: one Kafka transport per process, built from the validated
 * `KAFKA_*` configuration and logging through the service's logger. Inject it with
 * `@Inject(MESSAGING_TRANSPORT)`; `/health/ready` checks it (it is also provided as `BROKER_HEALTH`).
 */
export function serviceMessagingModule(): DynamicModule {
  const module = MessagingModule.forRootAsync({
    inject: [KafkaConfig, PLATFORM_LOGGER],
    useFactory: (kafka: KafkaConfig, logger: Logger) => ({
      transport: createTransport({
        kind: 'kafka',
        brokers: [...kafka.brokers],
        clientId: kafka.clientId,
        ssl: kafka.ssl,
        sasl:
          kafka.saslMechanism && kafka.saslUsername && kafka.saslPassword
            ? { mechanism: kafka.saslMechanism, username: kafka.saslUsername, password: kafka.saslPassword }
            : undefined,
        logger: logger.child({ component: 'kafka' }),
      }),
    }),
  });
  // `/health/ready` checks the broker through the transport's ping()
  const brokerHealth = { provide: BROKER_HEALTH, useExisting: MESSAGING_TRANSPORT };
  return {
    ...module,
    providers: [...(module.providers ?? []), brokerHealth],
    exports: [...(module.exports ?? []), BROKER_HEALTH],
  };
}
