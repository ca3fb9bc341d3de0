import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { assertCaseVisible, assertContractVisible, CaseNotFoundError, type Principal } from '#libs/auth';
import type { DataKindJson } from '#libs/contracts';
import { type Actor, EventStore, foldEvents, handleCommand } from '#libs/event-store';
import { type CaseEvent, type CaseState, type CountInput, caseDecider } from './domain/case.decider.js';
import type { CaseResponseDto, CountDto, DataKind, ReportIncidentDto } from './report-incident.dto.js';

export const CASE_STREAM_PREFIX = 'case-';
const streamIdOf = (caseId: string) => `${CASE_STREAM_PREFIX}${caseId}`;

export class ReportIncidentCommand {
  constructor(
    readonly input: ReportIncidentDto,
    /** who reports: only to a contract in its scope */
    readonly principal: Principal,
    /** the principal in the role it reports in, as recorded in the event */
    readonly actor: Actor,
    readonly now: Date,
    readonly correlationId?: string,
  ) {}
}

export class GetCaseQuery {
  constructor(
    readonly caseId: string,
    /** the reader: a case outside its contracts answers like a missing one */
    readonly principal: Principal,
  ) {}
}

const toDataKindJson = (kind: DataKind) => `DATA_KIND_${kind.toUpperCase()}` as DataKindJson;

/** The DTO has already checked that a value is present unless the precision is unknown. */
const toCountInput = (count: CountDto): CountInput =>
  count.precision === 'unknown'
    ? { precision: 'unknown' }
    : { precision: count.precision, value: count.value ?? Number.NaN };

function toResponse(caseId: string, state: CaseState, version: number): CaseResponseDto {
  if (state.status === 'none') throw new CaseNotFoundError(caseId);
  return {
    caseId,
    caseNumber: state.caseNumber,
    contractId: state.contractId,
    status: state.status,
    discoveredAt: state.facts.discoveredAt,
    version,
  };
}

@CommandHandler(ReportIncidentCommand)
export class ReportIncidentHandler implements ICommandHandler<ReportIncidentCommand, CaseResponseDto> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async execute({
    input,
    principal,
    actor,
    now,
    correlationId,
  }: ReportIncidentCommand): Promise<CaseResponseDto> {
    // 404 for a contract outside the reporter's scope: its existence is not disclosed.
    assertContractVisible(principal, input.contractId);
    const caseId = uuidv7();
    return this.dataSource.transaction(async (manager) => {
      const [{ n }] = await manager.query("SELECT nextval('case_number_seq') AS n");
      const caseNumber = `INC-${now.getUTCFullYear()}-${String(n).padStart(6, '0')}`;
      const result = await handleCommand(
        this.store,
        streamIdOf(caseId),
        caseDecider,
        {
          type: 'ReportIncident',
          data: {
            caseId,
            caseNumber,
            contractId: input.contractId,
            discoveredAt: new Date(input.discoveredAt),
            occurredAt: input.occurredAt ? new Date(input.occurredAt) : undefined,
            dataKinds: input.dataKinds.map(toDataKindJson),
            persons: toCountInput(input.persons),
            records: toCountInput(input.records),
            // The client's kind (public body or not) is not known to intake yet: the assessment evaluates
            // the public-body thresholds as "possibly" until the contract's client is looked up.
            assessmentContext: { clientKind: 'unknown' },
          },
          metadata: { now, actor: { id: actor.id, role: actor.role } },
        },
        { caseId, occurredAt: now.toISOString(), actor, correlationId },
        { manager },
      );
      return toResponse(caseId, result.state, result.nextVersion);
    });
  }
}

@QueryHandler(GetCaseQuery)
export class GetCaseHandler implements IQueryHandler<GetCaseQuery, CaseResponseDto> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async execute({ caseId, principal }: GetCaseQuery): Promise<CaseResponseDto> {
    const events = await this.store.readStream(streamIdOf(caseId));
    const state = foldEvents(caseDecider, events as unknown as CaseEvent[]);
    if (state.status !== 'none') assertCaseVisible(principal, state.contractId, caseId);
    return toResponse(caseId, state, events.length);
  }
}

export const CASE_HANDLERS = [ReportIncidentHandler, GetCaseHandler];
