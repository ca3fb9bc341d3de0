import { Inject, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  createTransport,
  MESSAGING_TRANSPORT,
  MessagingModule,
  provideWorker,
  type Transport,
  TransportClosedError,
  WorkerHost,
} from '../src/index.js';

@Injectable()
class Publisher {
  constructor(@Inject(MESSAGING_TRANSPORT) readonly transport: Transport) {}
}

describe('MessagingModule', () => {
  it('provides the transport everywhere and closes it on shutdown', async () => {
    const transport = createTransport({ kind: 'in-process' });
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRootAsync({ useFactory: () => ({ transport }) })],
      providers: [Publisher],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    expect(app.get(Publisher).transport).toBe(transport);

    await app.close();
    await expect(transport.ensureTopics(['t'])).rejects.toBeInstanceOf(TransportClosedError);
  });

  it('leaves a shared transport open when told to', async () => {
    const shared = createTransport({ kind: 'in-process' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRootAsync({ useFactory: () => ({ transport: shared, closeOnShutdown: false }) }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    await app.close();
    await expect(shared.ensureTopics(['t'])).resolves.toBeUndefined();
  });

  it('starts a background worker after bootstrap and stops it before the transport closes', async () => {
    const transport = createTransport({ kind: 'in-process' });
    const events: string[] = [];
    const worker = {
      start: async () => void events.push('worker started'),
      stop: async () => {
        events.push('worker stopped');
        await transport.ensureTopics(['still-open']);
      },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRootAsync({ useFactory: () => ({ transport }) })],
      providers: [
        provideWorker('RELAY', {
          inject: [MESSAGING_TRANSPORT],
          useFactory: (_transport: Transport) => worker,
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    expect(events).toEqual(['worker started']);
    expect(app.get<WorkerHost<typeof worker>>('RELAY').worker).toBe(worker);

    await app.close();
    expect(events).toEqual(['worker started', 'worker stopped']);
  });
});
