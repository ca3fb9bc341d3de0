import { describe, expect, it } from 'vitest';
import { InvalidGroupIdError } from './errors.js';
import { EVENT_REGISTRY, EVENT_TYPE_NAMES, topicFor } from './registry.js';
import { ALL_EVENT_TOPICS, deadLetterTopic, TOPICS } from './topics.js';

const EVENT_TOPIC_PATTERN = /^[a-z]+\.[a-z]+\.events\.v[1-9][0-9]*$/;

describe('topics', () => {
  it('names every event topic <domain>.<entity>.events.v<major>', () => {
    expect(ALL_EVENT_TOPICS.length).toBeGreaterThan(0);
    for (const topic of ALL_EVENT_TOPICS) {
      expect(topic).toMatch(EVENT_TOPIC_PATTERN);
    }
  });

  it('has no two topics with the same name', () => {
    expect(new Set(ALL_EVENT_TOPICS).size).toBe(ALL_EVENT_TOPICS.length);
  });

  it('lists every topic of TOPICS in ALL_EVENT_TOPICS', () => {
    expect([...ALL_EVENT_TOPICS].sort()).toEqual(Object.values(TOPICS).sort());
  });

  it('gives every registered event type one of the event topics', () => {
    expect(EVENT_TYPE_NAMES.length).toBe(Object.keys(EVENT_REGISTRY).length);
    for (const type of EVENT_TYPE_NAMES) {
      expect(ALL_EVENT_TOPICS).toContain(topicFor(type));
    }
  });

  it('publishes the case events of intake on intake.case.events.v1', () => {
    expect(topicFor('IncidentReported')).toBe('intake.case.events.v1');
  });
});

describe('deadLetterTopic', () => {
  it('names one dead-letter topic per consumer group', () => {
    expect(deadLetterTopic('timeline')).toBe('dlq.timeline.v1');
    expect(deadLetterTopic('client-notifier.intake_v2')).toBe('dlq.client-notifier.intake_v2.v1');
  });

  it('refuses a group id that cannot be part of a topic name', () => {
    expect(() => deadLetterTopic('')).toThrow(InvalidGroupIdError);
    expect(() => deadLetterTopic('has space')).toThrow(InvalidGroupIdError);
    expect(() => deadLetterTopic('slash/ed')).toThrow(InvalidGroupIdError);
    expect(() => deadLetterTopic('x'.repeat(243))).toThrow(InvalidGroupIdError);
    expect(deadLetterTopic('x'.repeat(242))).toHaveLength(249);
  });
});
