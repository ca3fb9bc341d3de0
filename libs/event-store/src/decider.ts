import type { EntityManager } from 'typeorm';
import { ConcurrencyError } from './errors.js';
import type { DomainEvent, EventMetadata, RecordedEvent } from './types.js';

/**
 * An aggregate as three pure functions (no clock, no I/O: time and actor arrive inside the command).
 * `decide` returns the events a command produces in a state, or throws a DomainError;
 * `evolve` applies one event to a state; `initialState` is the state of a stream with no events.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into a state, starting from `initialState()` unless a state is given. */
export function foldEvents<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
  state: State = decider.initialState(),
): State {
  let current = state;
  for (const event of events) current = decider.evolve(current, event);
  return current;
}

/** For the `default` branch of an exhaustive `switch`: fails to compile when a case is missing. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** The store operations `handleCommand` needs (an `EventStore` fits). */
export interface CommandStore {
  readStream(streamId: string, options?: { manager?: EntityManager }): Promise<RecordedEvent[]>;
  append(
    streamId: string,
    expectedVersion: number | 'no_stream',
    events: Array<DomainEvent & { metadata: EventMetadata }>,
    options?: { manager?: EntityManager },
  ): Promise<{ nextVersion: number; events: RecordedEvent[] }>;
}

export interface HandleCommandOptions {
  /**
   * The version the client based its command on (the HTTP If-Match / ETag). When given, the command fails
   * with a ConcurrencyError unless the stream is still at that version, and is never retried.
   */
  expectedVersion?: number;
  /**
   * Re-read, re-decide and re-append when another writer got in first. Only for commands whose decision
   * is safe to take again on the newer state (the decision is re-made, never the old events re-sent).
   * `true` means 3 attempts in total. Default: no retry (the ConcurrencyError reaches the caller).
   */
  retryOnConflict?: boolean | { maxAttempts: number };
  /** run inside the caller's transaction */
  manager?: EntityManager;
  /**
   * The stream is new (its id was just made, e.g. a fresh UUID): decide on the initial state without
   * reading it. The append still expects no stream, so a stream that did exist is a ConcurrencyError.
   */
  newStream?: boolean;
}

export interface CommandResult<Event extends DomainEvent, State> {
  /** the state after the new events */
  state: State;
  /** the stream's version after the command (unchanged when the command produced no events) */
  nextVersion: number;
  /** the events appended by this command, as recorded (empty when the command changed nothing) */
  events: Array<RecordedEvent<Event['type'], Event['data']>>;
}

const DEFAULT_RETRY_ATTEMPTS = 3;

/**
 * Reads the stream, folds it, decides, and appends the new events with the version it read as the
 * expected version, so a concurrent change makes the append fail instead of being silently overwritten.
 * `metadata` (occurredAt, actor, correlation…) is attached to every produced event; each gets its own id.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: CommandStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  metadata: Omit<EventMetadata, 'eventId'>,
  options: HandleCommandOptions = {},
): Promise<CommandResult<Event, State>> {
  const maxAttempts = retryAttempts(options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await decideAndAppend(store, streamId, decider, command, metadata, options);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts || !canRetry(error, options))
        throw error;
    }
  }
}

async function decideAndAppend<Command, Event extends DomainEvent, State>(
  store: CommandStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  metadata: Omit<EventMetadata, 'eventId'>,
  options: HandleCommandOptions,
): Promise<CommandResult<Event, State>> {
  const history = options.newStream ? [] : await store.readStream(streamId, { manager: options.manager });
  const version = history.length === 0 ? 0 : history[history.length - 1].streamVersion;
  if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
    throw new ConcurrencyError(streamId, options.expectedVersion, version);
  }
  // Recorded events carry type and data (plus metadata, which evolve may read when it needs to).
  const state = foldEvents(decider, history as unknown as Event[]);
  const produced = decider.decide(command, state);
  if (produced.length === 0) {
    return { state, nextVersion: version, events: [] };
  }
  const appended = await store.append(
    streamId,
    version === 0 ? 'no_stream' : version,
    produced.map((event) => ({ type: event.type, data: event.data, metadata: { ...metadata } })),
    { manager: options.manager },
  );
  return {
    state: foldEvents(decider, produced, state),
    nextVersion: appended.nextVersion,
    events: appended.events as CommandResult<Event, State>['events'],
  };
}

function retryAttempts(options: HandleCommandOptions): number {
  if (options.expectedVersion !== undefined || !options.retryOnConflict) return 1;
  return options.retryOnConflict === true
    ? DEFAULT_RETRY_ATTEMPTS
    : Math.max(1, options.retryOnConflict.maxAttempts);
}

/**
 * Inside a caller's transaction only a plain version mismatch leaves the transaction usable and can change
 * on a re-read; an aborted transaction (serialization failure) or an older transaction id cannot.
 */
function canRetry(error: ConcurrencyError, options: HandleCommandOptions): boolean {
  if (!options.manager) return true;
  return error.reason === 'version-mismatch' && error.actual !== undefined;
}
