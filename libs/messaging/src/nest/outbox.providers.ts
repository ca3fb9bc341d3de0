import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore } from '#libs/event-store';
import { DatabaseConfig, type Logger, PLATFORM_LOGGER } from '#libs/platform';
import { OutboxRelay } from '../relay/outbox-relay.js';
import type { Transport } from '../transport.js';
import { MESSAGING_TRANSPORT } from './messaging.module.js';
import { provideWorker } from './worker-host.js';

/**
 * The write side of a platform service: its `EventStore` (injectable by class) on the service's own
 * schema, and the outbox relay that publishes what is appended, woken by the store's NOTIFY on a
 * dedicated connection to `DATABASE_URL`. Needs `eventStoreMigrations(schema)` in the service's
 * migrations and `serviceMessagingModule()` in its imports.
 */
export function provideEventStoreWithOutbox(relayToken = 'OUTBOX_RELAY'): Provider[] {
  return [
    {
      provide: EventStore,
      inject: [DataSource, DatabaseConfig],
      useFactory: (dataSource: DataSource, database: DatabaseConfig) =>
        new EventStore(dataSource, { schema: database.schema }),
    },
    provideWorker(relayToken, {
      inject: [EventStore, MESSAGING_TRANSPORT, DatabaseConfig, PLATFORM_LOGGER],
      useFactory: (eventStore: EventStore, transport: Transport, database: DatabaseConfig, logger: Logger) =>
        new OutboxRelay({
          eventStore,
          transport,
          listenConnection: database.url,
          logger: logger.child({ component: 'outbox-relay' }),
        }),
    }),
  ];
}
