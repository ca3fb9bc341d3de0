import {
  type DynamicModule,
  Inject,
  Injectable,
  type InjectionToken,
  Module,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import type { Transport } from '../transport.js';

/** Injection token of the process's `Transport` (Kafka, or the in-process adapter). */
export const MESSAGING_TRANSPORT = 'MESSAGING_TRANSPORT';

const MESSAGING_OPTIONS = 'MESSAGING_MODULE_OPTIONS';

export interface MessagingModuleOptions {
  transport: Transport;
  /**
   * Close the transport when the application shuts down (default true). Set false when several
   * applications of one process share an in-process transport and the process closes it itself.
   */
  closeOnShutdown?: boolean;
}

export interface MessagingModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...args: never[]) => MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/** Closes the transport on shutdown, after the services' own shutdown hooks stopped their relays and consumers. */
@Injectable()
class TransportShutdown implements OnApplicationShutdown {
  constructor(@Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.options.closeOnShutdown ?? true) await this.options.transport.close();
  }
}

/**
 * Makes one `Transport` injectable everywhere (`@Inject(MESSAGING_TRANSPORT)`). The relay and the
 * consumer runners stay plain classes: a service builds them in its own providers and starts/stops
 * them in its lifecycle hooks, so benches and tests use them without Nest.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest dynamic modules are classes with a static factory
export class MessagingModule {
  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: MESSAGING_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        {
          provide: MESSAGING_TRANSPORT,
          useFactory: (resolved: MessagingModuleOptions) => resolved.transport,
          inject: [MESSAGING_OPTIONS],
        },
        TransportShutdown,
      ],
      exports: [MESSAGING_TRANSPORT],
    };
  }
}
