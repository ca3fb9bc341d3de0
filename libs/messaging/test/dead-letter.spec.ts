import { describe, expect, it } from 'vitest';
import {
  DLQ_HEADERS,
  deadLetterMessage,
  type IncomingMessage,
  withoutDeadLetterHeaders,
} from '../src/index.js';

const original: IncomingMessage = {
  topic: 'intake.case.events.v1',
  partition: 2,
  offset: '41',
  key: 'case-1',
  value: Uint8Array.from([1, 2, 3]),
  headers: { 'event-id': 'e-1', 'event-type': 'leakresponse.intake.v1.IncidentReported' },
};

describe('deadLetterMessage', () => {
  const failedAt = new Date('2026-01-02T03:04:05.000Z');

  it('keeps key, value and headers and says where the message came from and why it failed', () => {
    const copy = deadLetterMessage(original, 'dlq.timeline.v1', {
      error: new TypeError('no such contract'),
      attempts: 5,
      failedAt,
      groupId: 'timeline',
    });
    expect(copy).toEqual({
      topic: 'dlq.timeline.v1',
      key: 'case-1',
      value: original.value,
      headers: {
        ...original.headers,
        'dlq-error': 'TypeError: no such contract',
        'dlq-attempts': '5',
        'dlq-original-topic': 'intake.case.events.v1',
        'dlq-original-partition': '2',
        'dlq-original-offset': '41',
        'dlq-failed-at': '2026-01-02T03:04:05.000Z',
        'dlq-group-id': 'timeline',
      },
    });
  });

  it('cuts long error texts and accepts thrown non-errors', () => {
    const long = deadLetterMessage(original, 'dlq', {
      error: new Error('x'.repeat(5000)),
      attempts: 1,
      failedAt,
      groupId: 'g',
    });
    expect(long.headers[DLQ_HEADERS.error].length).toBeLessThanOrEqual(2_001);
    const odd = deadLetterMessage(original, 'dlq', {
      error: 'a string',
      attempts: 1,
      failedAt,
      groupId: 'g',
    });
    expect(odd.headers[DLQ_HEADERS.error]).toBe('a string');
  });

  it('can be turned back into the original headers for a replay', () => {
    const copy = deadLetterMessage(original, 'dlq', {
      error: new Error('boom'),
      attempts: 3,
      failedAt,
      groupId: 'g',
    });
    expect(withoutDeadLetterHeaders(copy.headers)).toEqual(original.headers);
  });
});
