/**
 * Public types of the event store. Other libs and the services code against these;
 * the PostgreSQL implementation lives beside them.
 */

/** Who caused an event: a user, an API token, or the system itself (a scheduler, a relay). */
export interface Actor {
  /** user id, token id, or a system component name such as `system:client-notifier` */
  id: string;
  kind: 'user' | 'token' | 'system';
  /** role the actor acted in, when it is a user or token */
  role?: string;
}

/** Metadata that travels with every event (the envelope minus what the store assigns). */
export interface EventMetadata {
  /** unique id of the event; the store generates one when absent */
  eventId?: string;
  /** the case the event belongs to; the Kafka key. Absent for events that belong to no case. */
  caseId?: string;
  /** when the fact happened in the domain (taken from the command's `now`, never from a clock in decide) */
  occurredAt: string;
  actor: Actor;
  correlationId?: string;
  causationId?: string;
  /** version of the event's data schema (proto package version), starting at 1 */
  schemaVersion?: number;
}

/** An event as a decider produces it: a discriminated union member `{ type, data }`. */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
}

/** What the caller hands to `append`. */
export interface NewEvent<TType extends string = string, TData = unknown> extends DomainEvent<TType, TData> {
  metadata: EventMetadata;
}

/** Position in the global log. Readers compare `(transactionId, position)` lexicographically. */
export interface GlobalCursor {
  /** PostgreSQL xid8 of the committing transaction, as a decimal string */
  transactionId: string;
  /** global sequence number (bigserial), as a decimal string */
  position: string;
}

export const START: GlobalCursor = { transactionId: '0', position: '0' };

/** An event as stored: everything needed to build the envelope on the wire. */
export interface RecordedEvent<TType extends string = string, TData = unknown> {
  eventId: string;
  streamId: string;
  /** 1-based version of the event within its stream */
  streamVersion: number;
  type: TType;
  data: TData;
  metadata: Required<Pick<EventMetadata, 'occurredAt' | 'actor'>> &
    EventMetadata & { eventId: string; schemaVersion: number };
  recordedAt: string;
  transactionId: string;
  position: string;
  /** hex SHA-256 over the previous hash and this event's canonical content */
  hash: string;
}

/** Expected version for optimistic concurrency: a number (current version), or one of the markers. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendResult {
  /** the stream's version after the append (= version of the last appended event) */
  nextVersion: number;
  events: RecordedEvent[];
}
