import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { assertCaseVisible, assertContractVisible, CaseNotFoundError, type Principal } from '#libs/auth';
import type { DataKindJson } from '#libs/contracts';
import {
  type Actor,
  ConcurrencyError,
  EventStore,
  foldEvents,
  handleCommand,
  type RecordedEvent,
} from '#libs/event-store';
import { type CaseEvent, type CaseState, type CountInput, caseDecider } from './domain/case.decider.js';
import type { CaseCommand } from './domain/case.model.js';
import {
  IdempotencyKeyReusedError,
  optionalIfMatchVersion,
  requiredIfMatchVersion,
  StaleCaseVersionError,
} from './http-preconditions.js';
import type {
  AmendReportDto,
  CaseResponseDto,
  CountDto,
  DataKind,
  ReportIncidentDto,
} from './report-incident.dto.js';

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
    /** the `Idempotency-Key` and the hash of the body it came with, when the client sent one */
    readonly idempotency?: { key: string; bodySha256: string },
  ) {}
}

/** The answer to a report: the case, and whether it is an earlier request's case returned to a retry. */
export interface ReportOutcome {
  readonly response: CaseResponseDto;
  readonly replayed: boolean;
}

/** Who changes an open case, on which version of it (the `If-Match` header as received). */
export interface CaseChangeContext {
  readonly caseId: string;
  readonly principal: Principal;
  readonly actor: Actor;
  readonly now: Date;
  readonly ifMatch: string | undefined;
  readonly correlationId?: string;
}

export class AmendReportCommand {
  constructor(
    readonly context: CaseChangeContext,
    readonly input: AmendReportDto,
  ) {}
}

/** Closing without a reason: with open instructions the domain refuses it (a reason needs sealing). */
export class CloseCaseCommand {
  constructor(readonly context: CaseChangeContext) {}
}

/**
 * A step on an instruction or a measure that carries no free text: the responder acknowledges an
 * instruction, the client officer confirms a completed one, the responder completes a measure (without a
 * result note). If-Match is checked when sent.
 */
export class CaseStepCommand {
  constructor(
    readonly context: CaseChangeContext,
    readonly step: 'AcknowledgeInstruction' | 'ConfirmInstruction' | 'CompleteMeasure',
    /** the instruction's or the measure's id */
    readonly itemId: string,
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
    occurredAt: state.facts.occurredAt,
    openInstructions: Object.values(state.instructions).filter((i) => i.status !== 'confirmed').length,
    openMeasures: Object.values(state.measures).filter((m) => m.status !== 'completed').length,
    causeIdentified: state.cause !== undefined,
    version,
  };
}

const versionOf = (events: readonly RecordedEvent[]) =>
  events.length === 0 ? 0 : events[events.length - 1].streamVersion;

/** Reads a case for the principal: 404 when it does not exist or is outside the principal's contracts. */
async function readVisibleCase(store: EventStore, caseId: string, principal: Principal) {
  const events = await store.readStream(streamIdOf(caseId));
  const state = foldEvents(caseDecider, events as unknown as CaseEvent[]);
  if (state.status === 'none') throw new CaseNotFoundError(caseId);
  assertCaseVisible(principal, state.contractId, caseId);
  return { state, version: versionOf(events) };
}

/**
 * Runs a command on a visible case at the version the client named in If-Match (required): a case that
 * moved on in between is a 412 carrying its current version, never a silent overwrite.
 */
async function changeCase(
  store: EventStore,
  context: CaseChangeContext,
  command: (metadata: { now: Date; actor: { id: string; role?: string } }) => CaseCommand,
  ifMatch: 'required' | 'optional' = 'required',
): Promise<CaseResponseDto> {
  const { caseId, principal, actor, now, correlationId } = context;
  // Visibility first: another tenant's case answers 404 whatever the headers say.
  await readVisibleCase(store, caseId, principal);
  const expectedVersion =
    ifMatch === 'required'
      ? requiredIfMatchVersion(context.ifMatch)
      : optionalIfMatchVersion(context.ifMatch);
  try {
    const result = await handleCommand(
      store,
      streamIdOf(caseId),
      caseDecider,
      command({ now, actor: { id: actor.id, role: actor.role } }),
      { caseId, occurredAt: now.toISOString(), actor, correlationId },
      // Without If-Match the decision is simply re-made on the newer state when another writer got in first.
      expectedVersion === undefined ? { retryOnConflict: true } : { expectedVersion },
    );
    return toResponse(caseId, result.state, result.nextVersion);
  } catch (error) {
    if (
      expectedVersion !== undefined &&
      error instanceof ConcurrencyError &&
      error.streamId === streamIdOf(caseId)
    ) {
      const current = error.actual ?? versionOf(await store.readStream(streamIdOf(caseId)));
      throw new StaleCaseVersionError(expectedVersion, current);
    }
    throw error;
  }
}

@CommandHandler(ReportIncidentCommand)
export class ReportIncidentHandler implements ICommandHandler<ReportIncidentCommand, ReportOutcome> {
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
    idempotency,
  }: ReportIncidentCommand): Promise<ReportOutcome> {
    // 404 for a contract outside the reporter's scope: its existence is not disclosed.
    assertContractVisible(principal, input.contractId);
    const caseId = uuidv7();
    return this.dataSource.transaction(async (manager) => {
      if (idempotency) {
        const earlierCaseId = await claimIdempotencyKey(manager, principal.id, idempotency, caseId);
        if (earlierCaseId !== undefined) {
          const events = await this.store.readStream(streamIdOf(earlierCaseId), { manager });
          const state = foldEvents(caseDecider, events as unknown as CaseEvent[]);
          return { response: toResponse(earlierCaseId, state, versionOf(events)), replayed: true };
        }
      }
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
      return { response: toResponse(caseId, result.state, result.nextVersion), replayed: false };
    });
  }
}

/**
 * Records the principal's idempotency key for the case about to be reported, in the report's transaction
 * (so a refused report leaves no key behind). A concurrent first use waits on the primary key until the
 * other transaction ends. Returns the earlier case when the key was already used with the same body.
 */
async function claimIdempotencyKey(
  manager: EntityManager,
  principalId: string,
  idempotency: { key: string; bodySha256: string },
  caseId: string,
): Promise<string | undefined> {
  const inserted: unknown[] = await manager.query(
    `INSERT INTO report_idempotency_keys (principal_id, idempotency_key, body_sha256, case_id)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING case_id`,
    [principalId, idempotency.key, idempotency.bodySha256, caseId],
  );
  if (inserted.length === 1) return undefined;
  const [earlier]: { body_sha256: string; case_id: string }[] = await manager.query(
    'SELECT body_sha256, case_id FROM report_idempotency_keys WHERE principal_id = $1 AND idempotency_key = $2',
    [principalId, idempotency.key],
  );
  if (earlier.body_sha256 !== idempotency.bodySha256) throw new IdempotencyKeyReusedError();
  return earlier.case_id;
}

@CommandHandler(AmendReportCommand)
export class AmendReportHandler implements ICommandHandler<AmendReportCommand, CaseResponseDto> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  execute({ context, input }: AmendReportCommand): Promise<CaseResponseDto> {
    return changeCase(this.store, context, (metadata) => ({
      type: 'AmendReport',
      data: {
        occurredAt: input.occurredAt === undefined ? undefined : new Date(input.occurredAt),
        dataKinds: input.dataKinds?.map(toDataKindJson),
        persons: input.persons && toCountInput(input.persons),
        records: input.records && toCountInput(input.records),
        encrypted: input.encrypted,
        improperPurposeSuspected: input.improperPurposeSuspected,
        euPersonsPossiblyAffected: input.euPersonsPossiblyAffected,
        // as at the report: the client's kind is not known to intake yet
        assessmentContext: { clientKind: 'unknown' },
      },
      metadata,
    }));
  }
}

@CommandHandler(CloseCaseCommand)
export class CloseCaseHandler implements ICommandHandler<CloseCaseCommand, CaseResponseDto> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  execute({ context }: CloseCaseCommand): Promise<CaseResponseDto> {
    return changeCase(this.store, context, (metadata) => ({ type: 'CloseCase', data: {}, metadata }));
  }
}

@QueryHandler(GetCaseQuery)
export class GetCaseHandler implements IQueryHandler<GetCaseQuery, CaseResponseDto> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async execute({ caseId, principal }: GetCaseQuery): Promise<CaseResponseDto> {
    const { state, version } = await readVisibleCase(this.store, caseId, principal);
    return toResponse(caseId, state, version);
  }
}

@CommandHandler(CaseStepCommand)
export class CaseStepHandler implements ICommandHandler<CaseStepCommand, CaseResponseDto> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  execute({ context, step, itemId }: CaseStepCommand): Promise<CaseResponseDto> {
    return changeCase(
      this.store,
      context,
      (metadata): CaseCommand =>
        step === 'CompleteMeasure'
          ? { type: step, data: { measureId: itemId }, metadata }
          : { type: step, data: { instructionId: itemId }, metadata },
      'optional',
    );
  }
}

export const CASE_HANDLERS = [
  ReportIncidentHandler,
  AmendReportHandler,
  CloseCaseHandler,
  CaseStepHandler,
  GetCaseHandler,
];
