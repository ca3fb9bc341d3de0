import { inspect, isDeepStrictEqual } from 'node:util';
import { type Decider, foldEvents } from './decider.js';
import type { DomainEvent } from './types.js';

/**
 * Given / when / then tests for deciders, pure and synchronous (no I/O, no test framework needed):
 *
 *   DeciderSpec.for(caseDecider)
 *     .given([reported, acknowledged])
 *     .when({ type: 'CloseCase', ... })
 *     .then([{ type: 'CaseClosed', data: { ... } }]);
 *
 *   DeciderSpec.for(caseDecider).given([closed]).when(close).thenThrows(IllegalStateError, (e) => e.code === '...');
 *
 * A failed expectation throws a {@link DeciderSpecFailure} whose message shows the scenario, the expected
 * and the actual outcome; it carries `expected`/`actual` so test runners can print a diff.
 */
export class DeciderSpec<Command, Event extends DomainEvent, State> {
  private constructor(private readonly decider: Decider<Command, Event, State>) {}

  static for<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
  ): DeciderSpec<Command, Event, State> {
    return new DeciderSpec(decider);
  }

  /** The events already in the stream (folded with `evolve` from `initialState()`). */
  given(events: readonly Event[]): GivenScenario<Command, Event, State> {
    return new GivenScenario(this.decider, events);
  }

  /** Shorthand for `given([]).when(command)`: a command on a stream with no events. */
  when(command: Command): WhenScenario<Command, Event, State> {
    return this.given([]).when(command);
  }
}

export class GivenScenario<Command, Event extends DomainEvent, State> {
  constructor(
    private readonly decider: Decider<Command, Event, State>,
    private readonly history: readonly Event[],
  ) {}

  when(command: Command): WhenScenario<Command, Event, State> {
    return new WhenScenario(this.decider, this.history, command);
  }
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

type Outcome<Event> = { kind: 'events'; events: Event[] } | { kind: 'error'; error: unknown };

export class WhenScenario<Command, Event extends DomainEvent, State> {
  constructor(
    private readonly decider: Decider<Command, Event, State>,
    private readonly history: readonly Event[],
    private readonly command: Command,
  ) {}

  /** Asserts that `decide` returns exactly these events (deep equality, same order). Use `[]` for "nothing happens". */
  // biome-ignore lint/suspicious/noThenProperty: given/when/then vocabulary; a scenario is never awaited.
  then(expected: readonly Event[]): void {
    const outcome = this.run();
    if (outcome.kind === 'error') {
      throw new DeciderSpecFailure(
        `expected decide to produce events, but it threw ${describeError(outcome.error)}`,
        this.scenario(),
        expected,
        outcome.error,
        outcome.error,
      );
    }
    if (!isDeepStrictEqual(outcome.events, expected)) {
      throw new DeciderSpecFailure(
        `decide produced other events than expected${firstDifference(expected, outcome.events)}`,
        this.scenario(),
        expected,
        outcome.events,
      );
    }
  }

  /**
   * Asserts that `decide` throws an instance of `errorClass` (and, when given, that `predicate` accepts it,
   * e.g. `(e) => e.code === 'case.closed'`).
   */
  thenThrows<E extends Error>(errorClass: ErrorClass<E>, predicate?: (error: E) => boolean): void {
    const outcome = this.run();
    if (outcome.kind === 'events') {
      throw new DeciderSpecFailure(
        `expected decide to throw ${errorClass.name}, but it returned ${outcome.events.length} event(s)`,
        this.scenario(),
        errorClass.name,
        outcome.events,
      );
    }
    const { error } = outcome;
    if (!(error instanceof errorClass)) {
      throw new DeciderSpecFailure(
        `expected decide to throw ${errorClass.name}, but it threw ${describeError(error)}`,
        this.scenario(),
        errorClass.name,
        error,
        error,
      );
    }
    if (predicate && !predicate(error)) {
      throw new DeciderSpecFailure(
        `decide threw ${errorClass.name} as expected, but the predicate rejected it: ${describeError(error)}`,
        this.scenario(),
        `${errorClass.name} accepted by ${predicate.toString()}`,
        error,
        error,
      );
    }
  }

  private run(): Outcome<Event> {
    const state = this.foldHistory();
    try {
      return { kind: 'events', events: this.decider.decide(this.command, state) };
    } catch (error) {
      return { kind: 'error', error };
    }
  }

  /** A failure while folding the given events is a broken test setup, not the outcome under test. */
  private foldHistory(): State {
    let state = this.decider.initialState();
    this.history.forEach((event, index) => {
      try {
        state = foldEvents(this.decider, [event], state);
      } catch (error) {
        throw new DeciderSpecFailure(
          `evolve failed on given event #${index} (${event.type}): ${describeError(error)}`,
          this.scenario(),
          'the given events to fold',
          error,
          error,
        );
      }
    });
    return state;
  }

  private scenario(): string {
    const given =
      this.history.length === 0 ? '(no events)' : this.history.map((event) => event.type).join(', ');
    return `given: ${given}\nwhen:  ${show(this.command)}`;
  }
}

/** A failed given/when/then expectation. */
export class DeciderSpecFailure extends Error {
  /** lets Vitest/Jest print a diff of `expected` and `actual` */
  readonly showDiff = true;

  constructor(
    summary: string,
    scenario: string,
    readonly expected: unknown,
    readonly actual: unknown,
    cause?: unknown,
  ) {
    super(
      `${summary}\n${scenario}\nexpected: ${show(expected)}\nactual:   ${show(actual)}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'DeciderSpecFailure';
  }
}

function firstDifference(expected: readonly DomainEvent[], actual: readonly DomainEvent[]): string {
  const length = Math.max(expected.length, actual.length);
  for (let i = 0; i < length; i++) {
    if (!isDeepStrictEqual(expected[i], actual[i])) {
      if (i >= actual.length) return ` (missing event #${i}: ${expected[i].type})`;
      if (i >= expected.length) return ` (unexpected extra event #${i}: ${actual[i].type})`;
      return expected[i].type === actual[i].type
        ? ` (event #${i} ${actual[i].type} differs)`
        : ` (event #${i}: expected ${expected[i].type}, got ${actual[i].type})`;
    }
  }
  return '';
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

function show(value: unknown): string {
  return inspect(value, { depth: 6, breakLength: 100, compact: 4, sorted: true });
}
