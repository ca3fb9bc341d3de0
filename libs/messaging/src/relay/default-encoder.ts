import {
  encodeEnvelope,
  envelopeFromRecorded,
  envelopeHeaders,
  partitionKeyOf,
  topicFor,
} from '#libs/contracts';
import type { RecordedEvent } from '#libs/event-store';
import type { OutgoingMessage } from '../transport.js';

/** Turns an event read from the store into the message the relay publishes. */
export type RecordedEventEncoder = (recorded: RecordedEvent) => OutgoingMessage;

/**
 * The standard wire form of an event: the protobuf `Envelope` (contracts), on the topic registered for
 * its type, keyed by its case id (its stream id when it belongs to no case), with the `event-id`,
 * `event-type`, `content-type` and `schema-version` headers.
 *
 * @throws UnknownEventTypeError / MalformedEventError (contracts) when this build cannot encode the event
 */
export const encodeRecordedEvent: RecordedEventEncoder = (recorded) => {
  const envelope = envelopeFromRecorded(recorded);
  // envelopeFromRecorded has already rejected unregistered types, so the cast only narrows the name.
  const topic = topicFor(recorded.type as Parameters<typeof topicFor>[0]);
  return {
    topic,
    key: partitionKeyOf(envelope),
    value: encodeEnvelope(envelope),
    headers: envelopeHeaders(envelope),
  };
};
