import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IncidentCommand, incidentDecider } from '../test/example-decider.js';
import {
  closeTransaction,
  createStoreFixture,
  metadata,
  openTransaction,
  type StoreFixture,
} from '../test/fixture.js';
import { type CommandStore, handleCommand } from './decider.js';
import { ConcurrencyError, IllegalStateError } from './errors.js';

let fx: StoreFixture;

beforeAll(async () => {
  fx = await createStoreFixture('es_handle_command');
});

afterAll(async () => {
  await fx?.close();
});

const now = '2026-01-15T11:00:00.000Z';
const report: IncidentCommand = { type: 'ReportIncident', summary: 'laptop stolen', now };
const acknowledge: IncidentCommand = { type: 'AcknowledgeIncident', now };
const close: IncidentCommand = { type: 'CloseIncident', now };
const meta = metadata({ correlationId: 'corr-1', caseId: 'case-1' });

/** The store, with another writer slipping in an acknowledgement between this command's read and its append. */
function storeWithInterleavedWriter(streamId: string): CommandStore & { appends: number } {
  const wrapper = {
    appends: 0,
    readStream: fx.store.readStream.bind(fx.store),
    append: async (...args: Parameters<CommandStore['append']>) => {
      if (wrapper.appends++ === 0) {
        await handleCommand(
          fx.store,
          streamId,
          incidentDecider,
          acknowledge,
          metadata({ actor: { id: 'other', kind: 'user' } }),
        );
      }
      return fx.store.append(...args);
    },
  };
  return wrapper;
}

describe('handleCommand', () => {
  it('creates the stream, then folds it for the next command; metadata goes on every event', async () => {
    const first = await handleCommand(fx.store, 'hc-1', incidentDecider, report, meta);
    expect(first.nextVersion).toBe(1);
    expect(first.state).toEqual({ status: 'open', acknowledged: false, summary: 'laptop stolen' });
    expect(first.events[0]).toMatchObject({
      type: 'IncidentReported',
      streamVersion: 1,
      data: { summary: 'laptop stolen', reportedAt: now },
      metadata: { correlationId: 'corr-1', caseId: 'case-1', actor: meta.actor, schemaVersion: 1 },
    });

    const second = await handleCommand(fx.store, 'hc-1', incidentDecider, acknowledge, meta);
    expect(second).toMatchObject({ nextVersion: 2, state: { status: 'open', acknowledged: true } });
    expect(second.events[0].eventId).not.toBe(first.events[0].eventId);
  });

  it('appends nothing when decide returns no events', async () => {
    await handleCommand(fx.store, 'hc-2', incidentDecider, report, meta);
    await handleCommand(fx.store, 'hc-2', incidentDecider, acknowledge, meta);
    const again = await handleCommand(fx.store, 'hc-2', incidentDecider, acknowledge, meta);
    expect(again).toMatchObject({ nextVersion: 2, events: [] });
    expect(await fx.store.streamVersion('hc-2')).toBe(2);
  });

  it('lets domain errors through and writes nothing', async () => {
    await handleCommand(fx.store, 'hc-3', incidentDecider, report, meta);
    await handleCommand(fx.store, 'hc-3', incidentDecider, close, meta);
    await expect(handleCommand(fx.store, 'hc-3', incidentDecider, close, meta)).rejects.toBeInstanceOf(
      IllegalStateError,
    );
    expect(await fx.store.streamVersion('hc-3')).toBe(2);
  });

  it('with expectedVersion (If-Match), refuses a stale command without deciding again', async () => {
    await handleCommand(fx.store, 'hc-4', incidentDecider, report, meta);
    await handleCommand(fx.store, 'hc-4', incidentDecider, acknowledge, meta);
    await expect(
      handleCommand(fx.store, 'hc-4', incidentDecider, close, meta, {
        expectedVersion: 1,
        retryOnConflict: true,
      }),
    ).rejects.toMatchObject({ name: 'ConcurrencyError', expected: 1, actual: 2 });
    const closed = await handleCommand(fx.store, 'hc-4', incidentDecider, close, meta, {
      expectedVersion: 2,
    });
    expect(closed.nextVersion).toBe(3);
  });

  it('a concurrent writer makes the command fail, unless it may re-decide on the new state', async () => {
    await handleCommand(fx.store, 'hc-5', incidentDecider, report, meta);
    const racing = storeWithInterleavedWriter('hc-5');
    const error = await handleCommand(racing, 'hc-5', incidentDecider, acknowledge, meta).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ expected: 1, actual: 2 });

    await handleCommand(fx.store, 'hc-6', incidentDecider, report, meta);
    const retried = await handleCommand(
      storeWithInterleavedWriter('hc-6'),
      'hc-6',
      incidentDecider,
      acknowledge,
      meta,
      { retryOnConflict: true },
    );
    // Re-decided on the state that includes the other writer's acknowledgement: nothing left to do.
    expect(retried).toMatchObject({ nextVersion: 2, events: [], state: { acknowledged: true } });
    expect((await fx.store.readStream('hc-6')).map((e) => e.metadata.actor.id)).toEqual(['user-1', 'other']);
  });

  it("runs inside the caller's transaction", async () => {
    const tx = await openTransaction(fx.dataSource);
    try {
      const result = await handleCommand(fx.store, 'hc-7', incidentDecider, report, meta, {
        manager: tx.runner.manager,
      });
      expect(result.nextVersion).toBe(1);
      expect(await fx.store.streamVersion('hc-7')).toBe(0); // not visible outside before commit
    } finally {
      await closeTransaction(tx.runner); // rolls back
    }
    expect(await fx.store.readStream('hc-7')).toEqual([]);
  });
});
