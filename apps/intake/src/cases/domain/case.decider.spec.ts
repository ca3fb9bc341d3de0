import { describe, expect, it } from 'vitest';
import {
  type EventJson,
  type EventTypeName,
  encodeEvent,
  isEventTypeName,
  type RegulatoryAssessmentMadeJson,
  type SealedTextJson,
} from '#libs/contracts';
import {
  ConflictError,
  DeciderSpec,
  ForbiddenError,
  foldEvents,
  IllegalStateError,
  NotFoundError,
  ValidationError,
} from '#libs/event-store';
import {
  type AmendReport,
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  type CommandMetadata,
  caseDecider,
  factsAsKnownAt,
  type InstructionKind,
  type IssueInstruction,
  type ReportIncident,
} from './case.decider.js';

const now = new Date('2026-11-25T09:00:00.000Z');
const later = new Date('2026-11-26T09:00:00.000Z');
const spec = DeciderSpec.for(caseDecider);

const sealed = (label: string): SealedTextJson => ({
  ciphertext: Buffer.from(`sealed:${label}`).toString('base64'),
  keyId: 'case-key-1/v1',
});
const as = (role: string, id = `${role}-1`, at = now): CommandMetadata => ({ now: at, actor: { id, role } });

const INSTRUCTION = '0194a3b2-7c00-7000-8000-0000000000a1';
const OTHER_INSTRUCTION = '0194a3b2-7c00-7000-8000-0000000000a2';
const MEASURE = '0194a3b2-7c00-7000-8000-0000000000b1';

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
      description: sealed('a customer list'),
      assessmentContext: { clientKind: 'unknown' },
      ...overrides,
    },
    metadata: { now, actor: { id: 'user-1', role: 'reporter' } },
  };
}

const reported = {
  type: 'IncidentReported',
  data: {
    contractId: '6f1c2b9e-1111-4111-8111-111111111111',
    caseNumber: 'INC-2026-000001',
    content: { description: sealed('a customer list'), dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_EMAIL'] },
    quantity: {
      persons: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: '1200' },
      records: { precision: 'COUNT_PRECISION_UNKNOWN' },
    },
    discoveredAt: '2026-11-25T08:30:00.000Z',
    occurredAt: '2026-11-24T22:00:00.000Z',
    reporter: { userId: 'user-1', role: 'reporter' },
    reportedAt: '2026-11-25T09:00:00.000Z',
  },
} satisfies CaseEvent;

/** The first assessment of `reported` with the client's kind unknown, written out in full. */
const firstAssessment = {
  type: 'RegulatoryAssessmentMade',
  data: {
    regimes: [
      {
        regime: 'REGIME_APPI_PRIVATE_SECTOR',
        applies: 'APPLICABILITY_YES',
        rules: [
          {
            ruleId: 'appi.private.improper_purpose',
            status: 'RULE_STATUS_UNKNOWN',
            reason: 'whether an improper purpose is suspected is not yet known',
          },
          {
            ruleId: 'appi.private.persons_over_1000',
            status: 'RULE_STATUS_MET',
            reason: 'more than 1,000 persons (about 1,200)',
          },
        ],
      },
      {
        regime: 'REGIME_APPI_PUBLIC_BODY',
        applies: 'APPLICABILITY_POSSIBLY',
        rules: [
          {
            ruleId: 'appi.public.improper_purpose',
            status: 'RULE_STATUS_UNKNOWN',
            reason: 'whether an improper purpose is suspected is not yet known',
          },
          {
            ruleId: 'appi.public.persons_over_100',
            status: 'RULE_STATUS_MET',
            reason: 'more than 100 persons (about 1,200)',
          },
        ],
      },
      { regime: 'REGIME_MY_NUMBER', applies: 'APPLICABILITY_NO', rules: [] },
      {
        regime: 'REGIME_GDPR',
        applies: 'APPLICABILITY_POSSIBLY',
        rules: [
          {
            ruleId: 'gdpr.eu_persons',
            status: 'RULE_STATUS_UNKNOWN',
            reason:
              'whether persons in the EU are affected is not yet known: 72 hours to notify the supervisory authority if they are (Art. 33)',
          },
        ],
      },
      {
        regime: 'REGIME_PROCESSOR_DUTY',
        applies: 'APPLICABILITY_YES',
        rules: [
          {
            ruleId: 'contract.processor_notifies_client',
            status: 'RULE_STATUS_MET',
            reason: 'the contractor reports to the client promptly',
          },
        ],
      },
    ],
    thresholds: [
      {
        ruleId: 'appi.private.persons_over_1000',
        persons: '1000',
        status: 'THRESHOLD_STATUS_CROSSED',
        personsCounted: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: '1200' },
      },
      {
        ruleId: 'appi.public.persons_over_100',
        persons: '100',
        status: 'THRESHOLD_STATUS_CROSSED',
        personsCounted: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: '1200' },
      },
    ],
    clientKind: 'CLIENT_KIND_UNKNOWN',
    changed: false,
    changedRegimes: [],
    summaryJa:
      '個人情報保護委員会への報告が必要となる可能性: 1,000人超。委託元が行政機関等であれば個人情報保護委員会への報告が必要となる可能性: 100人超。GDPRが適用される可能性: 72時間以内に監督機関へ通知',
    summaryEn:
      'APPI report to the PPC likely required: more than 1,000 persons; if the client is a public body, APPI report to the PPC likely required: more than 100 persons; GDPR may apply: notify the supervisory authority within 72 hours',
  },
} satisfies CaseEvent;

/** Runs decide on the state folded from `given` (for checks on parts of the outcome). */
function decideAfter(given: CaseEvent[], command: CaseCommand): CaseEvent[] {
  return caseDecider.decide(command, foldEvents(caseDecider, given));
}

const regimesOf = (event: CaseEvent) => (event.data as RegulatoryAssessmentMadeJson).regimes ?? [];

function fold(given: CaseEvent[]): CaseState {
  return foldEvents(caseDecider, given);
}

// ---- event builders for the given part ----

const issued = (id = INSTRUCTION): CaseEvent => ({
  type: 'InstructionIssued',
  data: {
    instructionId: id,
    kind: 'INSTRUCTION_KIND_CONTAIN',
    dueAt: '2026-11-27T09:00:00.000Z',
    text: sealed('contain'),
    issuedBy: { userId: 'officer-1', role: 'client_officer' },
  },
});
const acknowledged = (id = INSTRUCTION): CaseEvent => ({
  type: 'InstructionAcknowledged',
  data: { instructionId: id },
});
const progressed = (id = INSTRUCTION): CaseEvent => ({
  type: 'InstructionProgressReported',
  data: { instructionId: id, note: sealed('half done') },
});
const completed = (id = INSTRUCTION): CaseEvent => ({
  type: 'InstructionCompleted',
  data: { instructionId: id, evidenceNote: sealed('evidence') },
});
const confirmed = (id = INSTRUCTION): CaseEvent => ({
  type: 'InstructionConfirmed',
  data: { instructionId: id, confirmedBy: { userId: 'officer-1', role: 'client_officer' } },
});
const reopened = (id = INSTRUCTION): CaseEvent => ({
  type: 'InstructionReopened',
  data: {
    instructionId: id,
    reason: sealed('not enough'),
    reopenedBy: { userId: 'officer-1', role: 'client_officer' },
  },
});
const measureRecorded: CaseEvent = {
  type: 'MeasureRecorded',
  data: { measureId: MEASURE, description: sealed('revoke access') },
};
const measureCompleted: CaseEvent = { type: 'MeasureCompleted', data: { measureId: MEASURE } };
const closed: CaseEvent = {
  type: 'CaseClosed',
  data: { closedBy: { userId: 'responder-1', role: 'responder' }, openInstructionIds: [] },
};

// ---- command builders ----

const amend = (
  data: Omit<AmendReport['data'], 'assessmentContext'>,
  metadata = as('responder', 'responder-1', later),
) =>
  ({
    type: 'AmendReport',
    data: { assessmentContext: { clientKind: 'unknown' }, ...data },
    metadata,
  }) satisfies AmendReport;
const issue = (
  metadata = as('client_officer', 'officer-1'),
  overrides: Partial<IssueInstruction['data']> = {},
): IssueInstruction => ({
  type: 'IssueInstruction',
  data: {
    instructionId: INSTRUCTION,
    kind: 'INSTRUCTION_KIND_CONTAIN',
    dueAt: new Date('2026-11-27T09:00:00.000Z'),
    text: sealed('contain'),
    ...overrides,
  },
  metadata,
});
const acknowledge = (metadata = as('responder')): CaseCommand => ({
  type: 'AcknowledgeInstruction',
  data: { instructionId: INSTRUCTION },
  metadata,
});
const progress = (metadata = as('responder')): CaseCommand => ({
  type: 'ReportInstructionProgress',
  data: { instructionId: INSTRUCTION, note: sealed('half done') },
  metadata,
});
const complete = (metadata = as('responder')): CaseCommand => ({
  type: 'CompleteInstruction',
  data: { instructionId: INSTRUCTION, evidenceNote: sealed('evidence') },
  metadata,
});
const confirm = (metadata = as('client_officer', 'officer-1')): CaseCommand => ({
  type: 'ConfirmInstruction',
  data: { instructionId: INSTRUCTION },
  metadata,
});
const reopen = (metadata = as('client_officer', 'officer-1')): CaseCommand => ({
  type: 'ReopenInstruction',
  data: { instructionId: INSTRUCTION, reason: sealed('not enough') },
  metadata,
});
const recordMeasure = (metadata = as('responder')): CaseCommand => ({
  type: 'RecordMeasure',
  data: { measureId: MEASURE, description: sealed('revoke access') },
  metadata,
});
const completeMeasure = (metadata = as('responder')): CaseCommand => ({
  type: 'CompleteMeasure',
  data: { measureId: MEASURE },
  metadata,
});
const identifyCause = (metadata = as('responder')): CaseCommand => ({
  type: 'IdentifyCause',
  data: { cause: sealed('misdelivery'), causedByProcessor: 'yes' },
  metadata,
});
const close = (role: string, reason?: SealedTextJson): CaseCommand => ({
  type: 'CloseCase',
  data: reason ? { reason } : {},
  metadata: as(role),
});

const code = (expected: string) => (error: { code: string }) => error.code === expected;

describe('ReportIncident', () => {
  it('reports a new case with the facts as known, kinds de-duplicated, and its first assessment', () => {
    spec.given([]).when(report()).then([reported, firstAssessment]);
  });

  it('leaves the occurrence time out when it is not known', () => {
    const { occurredAt: _omitted, ...withoutOccurrence } = reported.data;
    const [event] = decideAfter([], report({ occurredAt: undefined }));
    expect(event).toEqual({ type: 'IncidentReported', data: withoutOccurrence });
  });

  it('refuses a report without a first description', () => {
    spec
      .given([])
      .when(report({ description: undefined }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'description');
  });

  it('carries the sealed texts and the yes/no facts when given', () => {
    const [event] = decideAfter(
      [],
      report({
        description: sealed('what leaked'),
        place: { medium: sealed('USB stick') },
        circumstances: { howDiscovered: sealed('a customer called') },
        encrypted: 'no',
        improperPurposeSuspected: 'yes',
        euPersonsPossiblyAffected: 'unknown',
        measuresTaken: sealed('asked the finder to return it'),
      }),
    );
    expect(event.data).toMatchObject({
      content: { description: sealed('what leaked') },
      place: { medium: sealed('USB stick') },
      circumstances: { howDiscovered: sealed('a customer called') },
      encrypted: 'TRI_STATE_NO',
      improperPurposeSuspected: 'TRI_STATE_YES',
      euPersonsPossiblyAffected: 'TRI_STATE_UNKNOWN',
      measuresTaken: sealed('asked the finder to return it'),
    });
  });

  it('refuses to report the same case twice', () => {
    spec.given([reported]).when(report()).thenThrows(IllegalStateError, code('case.already_reported'));
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

  it('refuses an unspecified data kind and an empty sealed text', () => {
    spec
      .when(report({ dataKinds: ['DATA_KIND_UNSPECIFIED'] }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'dataKinds');
    spec
      .when(report({ place: { site: { ciphertext: '', keyId: 'k' } } }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'place.site');
  });
});

describe('AmendReport', () => {
  const given = [reported, firstAssessment];

  it('records only what changed, with the time it became known', () => {
    spec
      .given(given)
      .when(
        amend({ records: { precision: 'exact', value: 40 }, persons: { precision: 'about', value: 1200 } }),
      )
      .then([
        {
          type: 'ReportAmended',
          data: {
            changedItems: ['REPORT_ITEM_RECORDS'],
            quantity: { records: { precision: 'COUNT_PRECISION_EXACT', value: '40' } },
            amendedAt: later.toISOString(),
          },
        },
      ]);
  });

  it('emits a new assessment when an amendment crosses a threshold (about 800 → at least 1,200)', () => {
    const reported800 = structuredClone(reported);
    reported800.data.quantity.persons = { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT', value: '800' };
    const [first] = decideAfter([], { ...report({ persons: { precision: 'about', value: 800 } }) }).slice(1);
    expect(first.data).toMatchObject({
      thresholds: [
        { ruleId: 'appi.private.persons_over_1000', status: 'THRESHOLD_STATUS_NOT_CROSSED' },
        { ruleId: 'appi.public.persons_over_100', status: 'THRESHOLD_STATUS_CROSSED' },
      ],
    });
    expect(regimesOf(first)[0]).toMatchObject({
      regime: 'REGIME_APPI_PRIVATE_SECTOR',
      applies: 'APPLICABILITY_NO',
    });

    const events = decideAfter(
      [reported800, first],
      amend({ persons: { precision: 'at_least', value: 1200 } }),
    );
    expect(events.map((event) => event.type)).toEqual(['ReportAmended', 'RegulatoryAssessmentMade']);
    expect(events[1].data).toMatchObject({
      changed: true,
      changedRegimes: ['REGIME_APPI_PRIVATE_SECTOR'],
      thresholds: [
        {
          ruleId: 'appi.private.persons_over_1000',
          status: 'THRESHOLD_STATUS_CROSSED',
          personsCounted: { precision: 'COUNT_PRECISION_AT_LEAST', value: '1200' },
        },
        { ruleId: 'appi.public.persons_over_100', status: 'THRESHOLD_STATUS_CROSSED' },
      ],
      summaryEn: expect.stringMatching(/^APPI report to the PPC likely required: more than 1,000 persons;/),
      summaryJa: expect.stringMatching(/^個人情報保護委員会への報告が必要となる可能性: 1,000人超。/),
    });
    expect(regimesOf(events[1])[0]).toMatchObject({
      regime: 'REGIME_APPI_PRIVATE_SECTOR',
      applies: 'APPLICABILITY_YES',
    });
  });

  it('records no new assessment when the outcome stays the same (about 1,200 → about 1,500)', () => {
    const events = decideAfter(given, amend({ persons: { precision: 'about', value: 1500 } }));
    expect(events.map((event) => event.type)).toEqual(['ReportAmended']);
  });

  it('re-assesses without an amendment event when only the client kind became known', () => {
    const events = decideAfter(given, {
      ...amend({ persons: { precision: 'about', value: 1200 } }),
      data: {
        persons: { precision: 'about', value: 1200 },
        assessmentContext: { clientKind: 'public_body' },
      },
    });
    expect(events.map((event) => event.type)).toEqual(['RegulatoryAssessmentMade']);
    expect(events[0].data).toMatchObject({
      clientKind: 'CLIENT_KIND_PUBLIC_BODY',
      changedRegimes: ['REGIME_APPI_PUBLIC_BODY'],
    });
  });

  it('produces nothing when nothing differs', () => {
    spec
      .given(given)
      .when(amend({ dataKinds: ['DATA_KIND_EMAIL', 'DATA_KIND_NAME'] }))
      .then([]);
  });

  it('names every changed item, replacing kinds, place parts, flags and the occurrence time', () => {
    const [event] = decideAfter(
      given,
      amend({
        description: sealed('more detail'),
        dataKinds: ['DATA_KIND_NAME', 'DATA_KIND_SENSITIVE'],
        place: { route: sealed('email') },
        circumstances: { whatHappened: sealed('sent to the wrong address') },
        occurredAt: new Date('2026-11-24T21:00:00.000Z'),
        encrypted: 'no',
        improperPurposeSuspected: 'no',
        euPersonsPossiblyAffected: 'no',
        measuresTaken: sealed('recalled the email'),
      }),
    );
    expect(event).toEqual({
      type: 'ReportAmended',
      data: {
        changedItems: [
          'REPORT_ITEM_DESCRIPTION',
          'REPORT_ITEM_DATA_KINDS',
          'REPORT_ITEM_PLACE_ROUTE',
          'REPORT_ITEM_WHAT_HAPPENED',
          'REPORT_ITEM_OCCURRED_AT',
          'REPORT_ITEM_ENCRYPTED',
          'REPORT_ITEM_IMPROPER_PURPOSE_SUSPECTED',
          'REPORT_ITEM_EU_PERSONS_POSSIBLY_AFFECTED',
          'REPORT_ITEM_MEASURES_TAKEN',
        ],
        content: {
          description: sealed('more detail'),
          dataKinds: { values: ['DATA_KIND_NAME', 'DATA_KIND_SENSITIVE'] },
        },
        place: { route: sealed('email') },
        circumstances: { whatHappened: sealed('sent to the wrong address') },
        occurredAt: '2026-11-24T21:00:00.000Z',
        encrypted: 'TRI_STATE_NO',
        improperPurposeSuspected: 'TRI_STATE_NO',
        euPersonsPossiblyAffected: 'TRI_STATE_NO',
        measuresTaken: sealed('recalled the email'),
        amendedAt: later.toISOString(),
      },
    });
  });

  it('keeps what was known when: factsAsKnownAt answers for any instant', () => {
    const amended = decideAfter(given, amend({ persons: { precision: 'at_least', value: 2000 } }));
    const state = fold([...given, ...amended]);
    expect(factsAsKnownAt(state, '2026-11-25T08:59:59.999Z')).toBeUndefined();
    expect(factsAsKnownAt(state, now)?.persons).toEqual({ precision: 'about', value: 1200 });
    expect(factsAsKnownAt(state, '2026-11-26T08:59:59.999Z')?.persons).toEqual({
      precision: 'about',
      value: 1200,
    });
    expect(factsAsKnownAt(state, later)?.persons).toEqual({ precision: 'at_least', value: 2000 });
    expect(state.status === 'reported' && state.factsHistory.map((version) => version.knownFrom)).toEqual([
      now.toISOString(),
      later.toISOString(),
    ]);
    expect(factsAsKnownAt(fold([]), later)).toBeUndefined();
  });

  it('refuses an empty amendment', () => {
    spec.given(given).when(amend({})).thenThrows(ValidationError, code('report.amendment_empty'));
  });

  it('refuses an occurrence after the discovery, or in the future', () => {
    spec
      .given(given)
      .when(amend({ occurredAt: new Date('2026-11-25T08:31:00.000Z') }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'occurredAt');
    spec
      .given(given)
      .when(amend({ occurredAt: new Date('2026-11-27T00:00:00.000Z') }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'occurredAt');
  });

  it('refuses an absurd count', () => {
    spec
      .given(given)
      .when(amend({ records: { precision: 'exact', value: -3 } }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'records.value');
  });

  it('refuses a client officer', () => {
    spec
      .given(given)
      .when(amend({ encrypted: 'yes' }, as('client_officer')))
      .thenThrows(ForbiddenError, code('actor.role_not_allowed'));
  });
});

describe('measures', () => {
  it('records a measure and completes it', () => {
    spec.given([reported]).when(recordMeasure()).then([measureRecorded]);
    spec.given([reported, measureRecorded]).when(completeMeasure()).then([measureCompleted]);
  });

  it('refuses an unknown measure, a completed one, a duplicate id, and a client officer', () => {
    spec.given([reported]).when(completeMeasure()).thenThrows(NotFoundError, code('measure.not_found'));
    spec
      .given([reported, measureRecorded, measureCompleted])
      .when(completeMeasure())
      .thenThrows(IllegalStateError, code('measure.already_completed'));
    spec
      .given([reported, measureRecorded])
      .when(recordMeasure())
      .thenThrows(ConflictError, code('measure.already_exists'));
    spec
      .given([reported])
      .when(recordMeasure(as('client_officer')))
      .thenThrows(ForbiddenError, code('actor.role_not_allowed'));
  });

  it('refuses a measure id that is not a UUID and a missing description', () => {
    spec
      .given([reported])
      .when({
        type: 'RecordMeasure',
        data: { measureId: 'm1', description: sealed('x') },
        metadata: as('responder'),
      })
      .thenThrows(ValidationError, (error) => error.details?.field === 'measureId');
    spec
      .given([reported])
      .when({
        type: 'RecordMeasure',
        data: { measureId: MEASURE, description: {} },
        metadata: as('responder'),
      })
      .thenThrows(ValidationError, (error) => error.details?.field === 'description');
  });
});

describe('instructions', () => {
  it('a client officer issues one', () => {
    spec.given([reported]).when(issue()).then([issued()]);
  });

  it('without a due date, the instruction is due seven days after it is issued', () => {
    const withoutDue = issue(as('client_officer', 'officer-1'), { dueAt: undefined });
    const sevenDaysLater = new Date(now.getTime() + 7 * 24 * 3600_000).toISOString();
    spec
      .given([reported])
      .when(withoutDue)
      .then([{ ...issued(), data: { ...issued().data, dueAt: sevenDaysLater } } as CaseEvent]);
  });

  it.each(['responder', 'responsible', 'reporter'])('refuses an instruction issued by a %s', (role) => {
    spec
      .given([reported])
      .when(issue(as(role)))
      .thenThrows(ForbiddenError, code('actor.role_not_allowed'));
  });

  it('refuses a duplicate id, a due date in the past and an unknown kind', () => {
    spec
      .given([reported, issued()])
      .when(issue())
      .thenThrows(ConflictError, code('instruction.already_exists'));
    spec
      .given([reported])
      .when(issue(undefined, { dueAt: now }))
      .thenThrows(ValidationError, code('instruction.due_in_past'));
    spec
      .given([reported])
      // an unknown kind from an untyped caller
      .when(issue(undefined, { kind: 'INSTRUCTION_KIND_UNSPECIFIED' as InstructionKind }))
      .thenThrows(ValidationError, (error) => error.details?.field === 'kind');
  });

  it('the contractor acknowledges, reports progress and completes it; the client confirms', () => {
    spec.given([reported, issued()]).when(acknowledge()).then([acknowledged()]);
    spec.given([reported, issued(), acknowledged()]).when(progress()).then([progressed()]);
    spec.given([reported, issued(), acknowledged(), progressed()]).when(progress()).then([progressed()]);
    spec.given([reported, issued(), acknowledged()]).when(complete()).then([completed()]);
    spec.given([reported, issued(), acknowledged(), progressed()]).when(complete()).then([completed()]);
    spec
      .given([reported, issued(), acknowledged(), completed()])
      .when(confirm())
      .then([
        {
          type: 'InstructionConfirmed',
          data: { instructionId: INSTRUCTION, confirmedBy: { userId: 'officer-1', role: 'client_officer' } },
        },
      ]);
  });

  it('the client reopens a completed or a confirmed one, and work continues', () => {
    spec.given([reported, issued(), acknowledged(), completed()]).when(reopen()).then([reopened()]);
    spec
      .given([reported, issued(), acknowledged(), completed(), confirmed()])
      .when(reopen())
      .then([reopened()]);
    spec
      .given([reported, issued(), acknowledged(), completed(), reopened()])
      .when(complete())
      .then([completed()]);
    const state = fold([reported, issued(), acknowledged(), completed(), reopened()]);
    expect(state.status === 'reported' && state.instructions[INSTRUCTION]).toMatchObject({
      status: 'in_progress',
      reopenCount: 1,
    });
  });

  it('refuses commands on an instruction the case does not have', () => {
    for (const command of [acknowledge(), progress(), complete(), confirm(), reopen()]) {
      spec.given([reported]).when(command).thenThrows(NotFoundError, code('instruction.not_found'));
    }
  });

  it('refuses acknowledging twice', () => {
    spec
      .given([reported, issued(), acknowledged()])
      .when(acknowledge())
      .thenThrows(IllegalStateError, code('instruction.already_acknowledged'));
  });

  it('refuses progress and completion before the acknowledgement', () => {
    spec
      .given([reported, issued()])
      .when(progress())
      .thenThrows(IllegalStateError, code('instruction.not_acknowledged'));
    spec
      .given([reported, issued()])
      .when(complete())
      .thenThrows(IllegalStateError, code('instruction.not_acknowledged'));
  });

  it('refuses progress and completion once completed or confirmed', () => {
    const done = [reported, issued(), acknowledged(), completed()];
    spec.given(done).when(progress()).thenThrows(IllegalStateError, code('instruction.already_completed'));
    spec.given(done).when(complete()).thenThrows(IllegalStateError, code('instruction.already_completed'));
    spec
      .given([...done, confirmed()])
      .when(complete())
      .thenThrows(IllegalStateError, code('instruction.already_completed'));
  });

  it('refuses confirming or reopening what is not completed, and confirming twice', () => {
    spec
      .given([reported, issued(), acknowledged()])
      .when(confirm())
      .thenThrows(IllegalStateError, code('instruction.not_completed'));
    spec
      .given([reported, issued(), acknowledged(), progressed()])
      .when(reopen())
      .thenThrows(IllegalStateError, code('instruction.not_completed'));
    spec
      .given([reported, issued(), acknowledged(), completed(), confirmed()])
      .when(confirm())
      .thenThrows(IllegalStateError, code('instruction.already_confirmed'));
  });

  it('refuses contractor work by the client and client review by the contractor', () => {
    spec
      .given([reported, issued()])
      .when(acknowledge(as('client_officer')))
      .thenThrows(ForbiddenError);
    spec
      .given([reported, issued(), acknowledged()])
      .when(progress(as('client_officer')))
      .thenThrows(ForbiddenError);
    spec
      .given([reported, issued(), acknowledged()])
      .when(complete(as('client_officer')))
      .thenThrows(ForbiddenError);
    const done = [reported, issued(), acknowledged(), completed()];
    spec
      .given(done)
      .when(confirm(as('responsible')))
      .thenThrows(ForbiddenError, code('actor.role_not_allowed'));
    spec
      .given(done)
      .when(reopen(as('responder')))
      .thenThrows(ForbiddenError, code('actor.role_not_allowed'));
  });

  it('refuses a reopening without a reason and a completion without evidence', () => {
    spec
      .given([reported, issued(), acknowledged(), completed()])
      .when({
        type: 'ReopenInstruction',
        data: { instructionId: INSTRUCTION, reason: {} },
        metadata: as('client_officer'),
      })
      .thenThrows(ValidationError, (error) => error.details?.field === 'reason');
    spec
      .given([reported, issued(), acknowledged()])
      .when({
        type: 'CompleteInstruction',
        data: { instructionId: INSTRUCTION, evidenceNote: {} },
        metadata: as('responder'),
      })
      .thenThrows(ValidationError, (error) => error.details?.field === 'evidenceNote');
  });
});

describe('IdentifyCause', () => {
  it('records the cause and whether the processor caused it', () => {
    spec
      .given([reported])
      .when(identifyCause())
      .then([
        {
          type: 'CauseIdentified',
          data: { cause: sealed('misdelivery'), causedByProcessor: 'TRI_STATE_YES' },
        },
      ]);
  });

  it('refuses a client officer and a missing cause', () => {
    spec
      .given([reported])
      .when(identifyCause(as('client_officer')))
      .thenThrows(ForbiddenError);
    spec
      .given([reported])
      .when({
        type: 'IdentifyCause',
        data: { cause: {}, causedByProcessor: 'no' },
        metadata: as('responder'),
      })
      .thenThrows(ValidationError, (error) => error.details?.field === 'cause');
  });
});

describe('CloseCase', () => {
  it('closes a case whose instructions are all confirmed', () => {
    spec
      .given([reported, issued(), acknowledged(), completed(), confirmed()])
      .when(close('responder'))
      .then([
        {
          type: 'CaseClosed',
          data: { closedBy: { userId: 'responder-1', role: 'responder' }, openInstructionIds: [] },
        },
      ]);
  });

  it('refuses a responder while instructions are open (issued and not confirmed)', () => {
    for (const open of [[issued()], [issued(), acknowledged(), completed()]]) {
      spec
        .given([reported, ...open])
        .when(close('responder', sealed('done anyway')))
        .thenThrows(
          IllegalStateError,
          (error) =>
            error.code === 'case.open_instructions' &&
            String(error.details?.openInstructionIds) === INSTRUCTION,
        );
    }
  });

  it('lets the responsible person close with open instructions when a reason is given, naming them', () => {
    spec
      .given([
        reported,
        issued(),
        issued(OTHER_INSTRUCTION),
        acknowledged(OTHER_INSTRUCTION),
        completed(OTHER_INSTRUCTION),
        confirmed(OTHER_INSTRUCTION),
      ])
      .when(close('responsible', sealed('client agreed by phone')))
      .then([
        {
          type: 'CaseClosed',
          data: {
            reason: sealed('client agreed by phone'),
            closedBy: { userId: 'responsible-1', role: 'responsible' },
            openInstructionIds: [INSTRUCTION],
          },
        },
      ]);
  });

  it('refuses the responsible person without a reason while instructions are open', () => {
    spec
      .given([reported, issued()])
      .when(close('responsible'))
      .thenThrows(ValidationError, code('case.close_reason_required'));
  });

  it('refuses closing by a client officer or a reporter', () => {
    spec
      .given([reported])
      .when(close('client_officer'))
      .thenThrows(ForbiddenError, code('actor.role_not_allowed'));
    spec.given([reported]).when(close('reporter')).thenThrows(ForbiddenError, code('actor.role_not_allowed'));
  });
});

describe('a case that does not exist or is closed', () => {
  const allButReport: CaseCommand[] = [
    amend({ encrypted: 'yes' }),
    recordMeasure(),
    completeMeasure(),
    issue(),
    acknowledge(),
    progress(),
    complete(),
    confirm(),
    reopen(),
    identifyCause(),
    close('responsible', sealed('again')),
  ];

  it.each(allButReport.map((command) => [command.type, command] as const))(
    'refuses %s after closure',
    (_, command) => {
      spec
        .given([reported, issued(), acknowledged(), completed(), measureRecorded, closed])
        .when(command)
        .thenThrows(IllegalStateError, code('case.closed'));
    },
  );

  it('refuses a second report after closure', () => {
    spec
      .given([reported, closed])
      .when(report())
      .thenThrows(IllegalStateError, code('case.already_reported'));
  });

  it.each(allButReport.map((command) => [command.type, command] as const))(
    'refuses %s before the report',
    (_, command) => {
      spec.given([]).when(command).thenThrows(NotFoundError, code('case.not_found'));
    },
  );
});

describe('evolve', () => {
  it('folds a whole life into the state', () => {
    const state = fold([reported, firstAssessment, measureRecorded, issued(), acknowledged(), closed]);
    expect(state).toMatchObject({
      status: 'closed',
      caseNumber: 'INC-2026-000001',
      measures: { [MEASURE]: { status: 'recorded' } },
      instructions: { [INSTRUCTION]: { status: 'acknowledged', kind: 'INSTRUCTION_KIND_CONTAIN' } },
      assessment: firstAssessment.data,
      closure: { closedBy: 'responder-1', withOpenInstructions: [] },
    });
  });

  it('takes the time of a report recorded before reported_at existed from its metadata', () => {
    const { reportedAt: _absent, ...legacy } = reported.data;
    const state = fold([
      { type: 'IncidentReported', data: legacy, metadata: { occurredAt: '2026-11-25T08:45:00.000Z' } },
    ]);
    expect(state.status === 'reported' && state.factsHistory[0].knownFrom).toBe('2026-11-25T08:45:00.000Z');
  });

  it('refuses an event before the report', () => {
    expect(() => fold([issued()])).toThrow(/before IncidentReported/);
  });
});

describe('events on the wire', () => {
  it('every event a whole case life produces is registered and encodes with the contracts codec', () => {
    const commands: CaseCommand[] = [
      report({
        description: sealed('d'),
        place: { site: sealed('s') },
        encrypted: 'yes',
        measuresTaken: sealed('m'),
      }),
      amend({
        persons: { precision: 'at_least', value: 5000 },
        dataKinds: ['DATA_KIND_MY_NUMBER'],
        encrypted: 'no',
      }),
      recordMeasure(),
      completeMeasure(),
      issue(),
      acknowledge(),
      progress(),
      complete(),
      reopen(),
      complete(),
      confirm(),
      identifyCause(),
      close('responsible'),
    ];
    let history: CaseEvent[] = [];
    for (const command of commands) history = [...history, ...decideAfter(history, command)];
    expect(new Set(history.map((event) => event.type)).size).toBe(13);
    for (const event of history) {
      expect(isEventTypeName(event.type)).toBe(true);
      const json = JSON.parse(JSON.stringify(event.data)) as EventJson<EventTypeName>;
      expect(() => encodeEvent(event.type as EventTypeName, json)).not.toThrow();
    }
  });
});
