import type {
  BeforeApplicationShutdown,
  FactoryProvider,
  InjectionToken,
  OnApplicationBootstrap,
  OptionalFactoryDependency,
} from '@nestjs/common';

/** Anything that runs in the background of a service: an outbox relay, a consumer runner, a scheduler. */
export interface BackgroundWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Ties a background worker to the application's life: started once every module is initialised (so
 * the database is migrated and the transport is there), stopped before the shutdown hooks close the
 * database and the transport.
 */
export class WorkerHost<W extends BackgroundWorker>
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  constructor(readonly worker: W) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}

/** A provider whose instance is a {@link WorkerHost} around the worker the factory builds. */
export function provideWorker<W extends BackgroundWorker>(
  token: InjectionToken,
  options: {
    inject: Array<InjectionToken | OptionalFactoryDependency>;
    useFactory: (...args: never[]) => W | Promise<W>;
  },
): FactoryProvider<WorkerHost<W>> {
  return {
    provide: token,
    inject: options.inject,
    // Nest passes the resolved `inject` dependencies in order; their types are the factory's business.
    useFactory: async (...args: unknown[]) => new WorkerHost(await options.useFactory(...(args as never[]))),
  };
}
