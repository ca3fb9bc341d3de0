import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { DataSource, EntityManager } from 'typeorm';
import {
  applyReportAmendment,
  type CauseIdentifiedJson,
  decodeEventJson,
  type Envelope,
  eventTypeOfFullName,
  type IncidentReportedJson,
  type InstructionKindJson,
  type RegulatoryAssessmentMadeJson,
  type ReportAmendedJson,
  type SealedTextJson,
} from '#libs/contracts';
import { PermanentFailure } from '#libs/messaging';

/** A case event a fact was drawn from (listed beside the regulator report's items). */
export interface SourceEvent {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
}

/** A damage-minimising measure as the publisher keeps it (text still sealed with intake's case key). */
export interface MeasureFact {
  readonly measureId: string;
  readonly description?: SealedTextJson;
  completed: boolean;
  resultNote?: SealedTextJson;
}

/** A client instruction as the publisher keeps it. */
export interface InstructionFact {
  readonly instructionId: string;
  readonly kind: InstructionKindJson;
  readonly text?: SealedTextJson;
  completed: boolean;
}

/**
 * What the publisher knows of a case: intake's facts folded from its events, texts still sealed with
 * intake's case key (opened only when a draft is made). Every amendment is folded in: the newest value of
 * each item wins.
 */
export interface CaseFacts {
  report: IncidentReportedJson;
  amendmentCount: number;
  measures: MeasureFact[];
  instructions: InstructionFact[];
  cause?: CauseIdentifiedJson;
  assessment?: RegulatoryAssessmentMadeJson;
  closed: boolean;
  /** which source event last set each fact, by fact name (for the regulator reports) */
  factSources: Record<string, string[]>;
}

export interface CaseRecord {
  readonly caseId: string;
  readonly contractId: string;
  readonly caseNumber: string;
  readonly facts: CaseFacts;
  readonly sources: SourceEvent[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which facts (PPC items' sources) an amendment touched. */
function amendedFacts(amended: ReportAmendedJson): string[] {
  const facts = new Set<string>();
  for (const item of amended.changedItems ?? []) {
    if (item === 'REPORT_ITEM_PERSONS' || item === 'REPORT_ITEM_RECORDS') facts.add('quantity');
    else if (item === 'REPORT_ITEM_DATA_KINDS') facts.add('dataItems');
    else facts.add('overview');
  }
  return [...facts];
}

function addSource(facts: CaseFacts, fact: string, eventId: string): void {
  const list = facts.factSources[fact] ?? [];
  if (!list.includes(eventId)) list.push(eventId);
  facts.factSources[fact] = list;
}

/**
 * The read model of the cases (`case_facts`), written by the consumer of `intake.case.events.v1` inside
 * the consumer's inbox transaction (a redelivered event is skipped by the inbox; an event already in a
 * case's `sources` is skipped here too).
 */
export class CaseFactsStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async find(caseId: string, manager?: EntityManager): Promise<CaseRecord | undefined> {
    const rows: Array<{
      case_id: string;
      contract_id: string;
      case_number: string;
      facts: CaseFacts;
      sources: SourceEvent[];
    }> = await (manager ?? this.dataSource).query(
      `SELECT case_id, contract_id, case_number, facts, sources FROM "${this.schema}".case_facts WHERE case_id = $1`,
      [caseId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      caseId: row.case_id,
      contractId: row.contract_id,
      caseNumber: row.case_number,
      facts: row.facts,
      sources: row.sources,
    };
  }

  /** Folds one event of intake's case topic into the read model. */
  async handle(envelope: Envelope, manager: EntityManager): Promise<void> {
    if (eventTypeOfFullName(envelope.type) === undefined) return;
    if (!UUID.test(envelope.caseId)) return;
    if (!envelope.occurredAt) throw new PermanentFailure(`event ${envelope.eventId} has no occurred_at`);
    const caseId = envelope.caseId.toLowerCase();
    const occurredAt = timestampDate(envelope.occurredAt).toISOString();
    const event = decodeEventJson(envelope);
    const source: SourceEvent = { eventId: envelope.eventId, type: event.type, occurredAt };
    if (event.type === 'IncidentReported') {
      const facts: CaseFacts = {
        report: event.data,
        amendmentCount: 0,
        measures: [],
        instructions: [],
        closed: false,
        factSources: { overview: [source.eventId], dataItems: [source.eventId], quantity: [source.eventId] },
      };
      await manager.query(
        `INSERT INTO "${this.schema}".case_facts (case_id, contract_id, case_number, facts, sources, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id) DO NOTHING`,
        [
          caseId,
          event.data.contractId,
          event.data.caseNumber ?? '',
          facts,
          JSON.stringify([source]),
          occurredAt,
        ],
      );
      return;
    }
    const rows: Array<{ facts: CaseFacts; sources: SourceEvent[] }> = await manager.query(
      `SELECT facts, sources FROM "${this.schema}".case_facts WHERE case_id = $1 FOR UPDATE`,
      [caseId],
    );
    const row = rows[0];
    // a case reported before this service's topic position, or not a case at all: nothing to fold into
    if (!row) return;
    if (row.sources.some((known) => known.eventId === source.eventId)) return;
    const facts = row.facts;
    const id = source.eventId;
    switch (event.type) {
      case 'ReportAmended':
        facts.report = applyReportAmendment(facts.report, event.data);
        facts.amendmentCount += 1;
        for (const fact of amendedFacts(event.data)) addSource(facts, fact, id);
        break;
      case 'MeasureRecorded':
        facts.measures.push({
          measureId: event.data.measureId ?? '',
          description: event.data.description,
          completed: false,
        });
        addSource(facts, 'measures', id);
        break;
      case 'MeasureCompleted': {
        const measure = facts.measures.find((m) => m.measureId === event.data.measureId);
        if (measure) {
          measure.completed = true;
          measure.resultNote = event.data.resultNote;
        }
        addSource(facts, 'measures', id);
        break;
      }
      case 'InstructionIssued':
        facts.instructions.push({
          instructionId: event.data.instructionId ?? '',
          kind: event.data.kind ?? 'INSTRUCTION_KIND_OTHER',
          text: event.data.text,
          completed: false,
        });
        addSource(facts, 'instructions', id);
        break;
      case 'InstructionCompleted': {
        const instruction = facts.instructions.find((i) => i.instructionId === event.data.instructionId);
        if (instruction) instruction.completed = true;
        addSource(facts, 'instructions', id);
        break;
      }
      case 'CauseIdentified':
        facts.cause = event.data;
        facts.factSources.cause = [id];
        break;
      case 'RegulatoryAssessmentMade':
        facts.assessment = event.data;
        facts.factSources.assessment = [id];
        break;
      case 'CaseClosed':
        facts.closed = true;
        break;
      default:
        return;
    }
    await manager.query(
      `UPDATE "${this.schema}".case_facts
          SET facts = $2, sources = sources || $3::jsonb, updated_at = $4
        WHERE case_id = $1`,
      [caseId, facts, JSON.stringify([source]), occurredAt],
    );
  }
}
