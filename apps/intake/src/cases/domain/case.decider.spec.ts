import { describe, it } from 'vitest';
import { DeciderSpec, IllegalStateError, ValidationError } from '#libs/event-store';
import { type CaseEvent, caseDecider, type ReportIncident } from './case.decider.js';

const now = new Date('2026-11-25T09:00:00.000Z');
const spec = DeciderSpec.for(caseDecider);

function report(overrides: Partial<ReportIncident['data']> = {}): ReportIncident {
  return {
    type: 'ReportIncident',
    data: {
      caseId: 'c0a8e1e2-0000-4000-8000-000000000001',
      caseNumber: 'INC-2026-000001',
      contractId: '6f1c2b9e-1111-4111-8111-111111111111',
      discoveredAt: new Date('2026-11-25T08:30:00.000Z'),
      occurredAt: new Date('2026-11-24T22:00:00.000Z'),
      dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_EMAIL', 'DATA_KIND_NAME'],
      persons: { precision: 'about', value: 1200 },
      records: { precision: 'unknown' },
      ...overrides,
    },
    metadata: { now, actor: { id: 'user-1', role: 'reporter' } },
  };
}

const reported: CaseEvent = {
  type: 'IncidentReported',
  data: {
    contractId: '6f1c2b9e-1111-4111-8111-111111111111',
    caseNumber: 'INC-2026-000001',
    content: { dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_EMAIL'] },
    quantity: {
      persons: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: '1200' },
      records: { precision: 'COUNT_PRECISION_UNKNOWN' },
    },
    discoveredAt: '2026-11-25T08:30:00.000Z',
    occurredAt: '2026-11-24T22:00:00.000Z',
    reporter: { userId: 'user-1', role: 'reporter' },
  },
};

describe('case decider: ReportIncident', () => {
  it('reports a new case with the facts as known, kinds de-duplicated', () => {
    spec.given([]).when(report()).then([reported]);
  });

  it('leaves the occurrence time out when it is not known', () => {
    const { occurredAt: _omitted, ...withoutOccurrence } = reported.data;
    spec
      .given([])
      .when(report({ occurredAt: undefined }))
      .then([{ type: 'IncidentReported', data: withoutOccurrence }]);
  });

  it('refuses to report the same case twice', () => {
    spec.given([reported]).when(report()).thenThrows(IllegalStateError);
  });

  it('refuses a discovery in the future', () => {
    spec
      .given([])
      .when(report({ discoveredAt: new Date('2026-11-25T09:00:01.000Z') }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'discoveredAt');
  });

  it('refuses an occurrence after the discovery', () => {
    spec
      .given([])
      .when(report({ occurredAt: new Date('2026-11-25T08:31:00.000Z') }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'occurredAt');
  });

  it.each([-1, 1.5, 20_000_000_000])('refuses an absurd person count %s', (value) => {
    spec
      .given([])
      .when(report({ persons: { precision: 'exact', value } }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'persons.value');
  });
});
