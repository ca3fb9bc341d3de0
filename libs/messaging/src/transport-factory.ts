import { InProcessTransport, type InProcessTransportOptions } from './in-process/in-process-transport.js';
import { KafkaTransport, type KafkaTransportOptions } from './kafka/kafka-transport.js';
import type { Transport } from './transport.js';

/** How a process talks to the other services: a Kafka cluster, or memory (single-process mode). */
export type TransportConfig =
  | ({ kind: 'kafka' } & KafkaTransportOptions)
  | ({ kind: 'in-process' } & InProcessTransportOptions);

export function createTransport(config: TransportConfig): Transport {
  switch (config.kind) {
    case 'kafka': {
      const { kind: _kind, ...options } = config;
      return new KafkaTransport(options);
    }
    case 'in-process': {
      const { kind: _kind, ...options } = config;
      return new InProcessTransport(options);
    }
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown transport kind ${JSON.stringify(unknown)}`);
    }
  }
}
