import { describe, expect, it } from 'vitest';
import {
  EVENT_REGISTRY,
  EVENT_TYPE_NAMES,
  eventTypeOfFullName,
  fullTypeNameOf,
  isEventTypeName,
  registrationOf,
  SCHEMA_VERSION,
} from './registry.js';

describe('event registry', () => {
  it('keys every event by its message name and maps it back from the fully-qualified name', () => {
    for (const type of EVENT_TYPE_NAMES) {
      const schema = EVENT_REGISTRY[type].schema;
      expect(schema.name).toBe(type);
      expect(fullTypeNameOf(type)).toBe(schema.typeName);
      expect(eventTypeOfFullName(schema.typeName)).toBe(type);
    }
  });

  it('uses package leakresponse.<domain>.v<major> for every event', () => {
    for (const type of EVENT_TYPE_NAMES) {
      expect(fullTypeNameOf(type)).toMatch(new RegExp(`^leakresponse\\.[a-z]+\\.v[1-9][0-9]*\\.${type}$`));
    }
    expect(fullTypeNameOf('IncidentReported')).toBe('leakresponse.intake.v1.IncidentReported');
  });

  it('has a schema version of at least 1 for every event type', () => {
    for (const type of EVENT_TYPE_NAMES) {
      expect(SCHEMA_VERSION[type]).toBeGreaterThanOrEqual(1);
    }
    expect(SCHEMA_VERSION.IncidentReported).toBe(1);
  });

  it('does not recognise unknown names, nor names inherited from Object', () => {
    expect(isEventTypeName('IncidentReported')).toBe(true);
    expect(isEventTypeName('NoSuchEvent')).toBe(false);
    expect(isEventTypeName('toString')).toBe(false);
    expect(registrationOf('constructor')).toBeUndefined();
    expect(eventTypeOfFullName('IncidentReported')).toBeUndefined();
    expect(eventTypeOfFullName('leakresponse.intake.v1.NoSuchEvent')).toBeUndefined();
  });
});
