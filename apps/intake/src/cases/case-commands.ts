import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { assertCaseVisible, assertContractVisible, CaseNotFoundError, type Principal } from '#libs/auth';
import {
  type DataKindJson,
  type InstructionKindJson,
  SEALED_TEXT_PURPOSES,
  type SealedTextJson,
} from '#libs/contracts';
import {
  type Actor,
  ConcurrencyError,
  EventStore,
  foldEvents,
  handleCommand,
  type RecordedEvent,
} from '#libs/event-store';
import { CaseKeyring, sealedToJson } from '#libs/sealing';
import {
  type CaseListFilter,
  type CaseSummaryPage,
  encodeCursor,
  listCaseSummaries,
  upsertCaseSummary,
} from './case-summaries.js';
import type { InstructionKindDto } from './case-texts.dto.js';
import { type CaseDetailDto, caseDetail } from './case-view.js';
import { ContractClientKinds } from './client-kind.js';
import type { ClientKind } from './domain/assessment-rules.js';
import { type CaseEvent, type CaseState, type CountInput, caseDecider } from './domain/case.decider.js';
import type { CaseCommand } from './domain/case.model.js';
import type { TriState } from './domain/facts.js';
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
import { type ReportTextsInput, type SealedReportTexts, sealReportTexts } from './report-texts.js';

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

/**
 * A change of the case that carries free text, as received over HTTP. The texts are sealed with the case's
 * key in the transaction that appends the event, so neither a key nor a ciphertext outlives a refused change.
 */
export type CaseTextChange =
  | { readonly type: 'RecordMeasure'; readonly measureId: string; readonly description: string }
  | {
      readonly type: 'IssueInstruction';
      readonly instructionId: string;
      readonly kind: InstructionKindDto;
      /** absent: the domain's default */
      readonly dueAt?: Date;
      readonly text: string;
    }
  | { readonly type: 'ReportInstructionProgress'; readonly instructionId: string; readonly note: string }
  | { readonly type: 'CompleteInstruction'; readonly instructionId: string; readonly evidenceNote: string }
  | { readonly type: 'ReopenInstruction'; readonly instructionId: string; readonly reason: string }
  | { readonly type: 'IdentifyCause'; readonly cause: string; readonly causedByProcessor: TriState }
  /** with open instructions only the responsible person may close, and only with a reason */
  | { readonly type: 'CloseCase'; readonly reason?: string };

export class CaseTextCommand {
  constructor(
    readonly context: CaseChangeContext,
    readonly change: CaseTextChange,
  ) {}
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
const toCountInput = (count: CountDto | undefined): CountInput =>
  count === undefined || count.precision === 'unknown'
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
async function readVisibleCase(
  store: EventStore,
  caseId: string,
  principal: Principal,
  manager?: EntityManager,
) {
  const events = await store.readStream(streamIdOf(caseId), { manager });
  const state = foldEvents(caseDecider, events as unknown as CaseEvent[]);
  if (state.status === 'none') throw new CaseNotFoundError(caseId);
  assertCaseVisible(principal, state.contractId, caseId);
  return { state, version: versionOf(events) };
}

type CommandMetadataInput = { now: Date; actor: { id: string; role?: string } };

/**
 * Runs a command on a visible case at the version the client named in If-Match (required, or checked
 * only when sent): a case that moved on in between is a 412 carrying its current version, never a silent
 * overwrite. The command is built once the case is known to be visible and If-Match is well-formed;
 * everything, the case list's row included, runs in the caller's transaction.
 */
async function changeCase(
  store: EventStore,
  context: CaseChangeContext,
  command: (
    metadata: CommandMetadataInput,
    current: { contractId: string },
  ) => CaseCommand | Promise<CaseCommand>,
  ifMatch: 'required' | 'optional',
  manager: EntityManager,
): Promise<CaseResponseDto> {
  const { caseId, principal, actor, now, correlationId } = context;
  // Visibility first: another tenant's case answers 404 whatever the headers say.
  const { state: current } = await readVisibleCase(store, caseId, principal, manager);
  const expectedVersion =
    ifMatch === 'required'
      ? requiredIfMatchVersion(context.ifMatch)
      : optionalIfMatchVersion(context.ifMatch);
  const decided = await command({ now, actor: { id: actor.id, role: actor.role } }, current);
  try {
    const result = await handleCommand(
      store,
      streamIdOf(caseId),
      caseDecider,
      decided,
      { caseId, occurredAt: now.toISOString(), actor, correlationId },
      // Without If-Match the decision is simply re-made on the newer state when another writer got in first.
      expectedVersion === undefined ? { retryOnConflict: true, manager } : { expectedVersion, manager },
    );
    await upsertCaseSummary(manager, caseId, result.state, result.nextVersion, now);
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
    @Inject(CaseKeyring) private readonly keyring: CaseKeyring,
    @Inject(ContractClientKinds) private readonly clientKinds: ContractClientKinds,
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
      const texts = await sealReportTexts(this.keyring, caseId, reportTextsOf(input), manager, true);
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
            dataKinds: (input.dataKinds ?? []).map(toDataKindJson),
            persons: toCountInput(input.persons),
            records: toCountInput(input.records),
            description: texts.description,
            ...textAndYesNoItems(input, texts, await this.clientKinds.of(input.contractId, manager)),
          },
          metadata: { now, actor: { id: actor.id, role: actor.role } },
        },
        { caseId, occurredAt: now.toISOString(), actor, correlationId },
        // the case id was made above (UUIDv7): nothing to read before deciding
        { manager, newStream: true },
      );
      await upsertCaseSummary(manager, caseId, result.state, result.nextVersion, now);
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
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CaseKeyring) private readonly keyring: CaseKeyring,
    @Inject(ContractClientKinds) private readonly clientKinds: ContractClientKinds,
  ) {}

  execute({ context, input }: AmendReportCommand): Promise<CaseResponseDto> {
    return this.dataSource.transaction((manager) =>
      changeCase(
        this.store,
        context,
        async (metadata, { contractId }) => {
          const texts = await sealReportTexts(this.keyring, context.caseId, reportTextsOf(input), manager);
          return {
            type: 'AmendReport',
            data: {
              occurredAt: input.occurredAt === undefined ? undefined : new Date(input.occurredAt),
              dataKinds: input.dataKinds?.map(toDataKindJson),
              persons: input.persons && toCountInput(input.persons),
              records: input.records && toCountInput(input.records),
              description: texts.description,
              ...textAndYesNoItems(input, texts, await this.clientKinds.of(contractId, manager)),
            },
            metadata,
          };
        },
        'required',
        manager,
      ),
    );
  }
}

/** The items a report and an amendment carry alike: sealed texts, yes/no facts, the assessment's context. */
function textAndYesNoItems(
  input: AmendReportDto | ReportIncidentDto,
  texts: SealedReportTexts,
  clientKind: ClientKind,
) {
  return {
    place: texts.place,
    circumstances: texts.circumstances,
    measuresTaken: texts.measuresTaken,
    encrypted: input.encrypted,
    improperPurposeSuspected: input.improperPurposeSuspected,
    euPersonsPossiblyAffected: input.euPersonsPossiblyAffected,
    // public body or not (identity's contract): with `unknown` the public-body thresholds read "possibly"
    assessmentContext: { clientKind },
  };
}

/** The free-text items of a report or amendment body. */
function reportTextsOf(input: AmendReportDto | ReportIncidentDto): ReportTextsInput {
  return {
    description: input.description,
    place: input.place && { ...input.place },
    circumstances: input.circumstances && { ...input.circumstances },
    measuresTaken: input.measuresTaken,
  };
}

/** The purpose each text-carrying command's text is sealed for (one text field per command). */
const PURPOSE_OF: Record<CaseTextChange['type'], string> = {
  RecordMeasure: SEALED_TEXT_PURPOSES.measureDescription,
  IssueInstruction: SEALED_TEXT_PURPOSES.instructionText,
  ReportInstructionProgress: SEALED_TEXT_PURPOSES.instructionProgressNote,
  CompleteInstruction: SEALED_TEXT_PURPOSES.instructionEvidenceNote,
  ReopenInstruction: SEALED_TEXT_PURPOSES.instructionReopenReason,
  IdentifyCause: SEALED_TEXT_PURPOSES.cause,
  CloseCase: SEALED_TEXT_PURPOSES.closeReason,
};

/** The free-text fields of a change that are present, by field name. */
function textsOf(change: CaseTextChange): Array<{ field: string; text: string }> {
  const fields: Record<string, string | undefined> = (() => {
    switch (change.type) {
      case 'RecordMeasure':
        return { description: change.description };
      case 'IssueInstruction':
        return { text: change.text };
      case 'ReportInstructionProgress':
        return { note: change.note };
      case 'CompleteInstruction':
        return { evidenceNote: change.evidenceNote };
      case 'ReopenInstruction':
        return { reason: change.reason };
      case 'IdentifyCause':
        return { cause: change.cause };
      case 'CloseCase':
        return { reason: change.reason };
    }
  })();
  return Object.entries(fields).flatMap(([field, text]) => (text === undefined ? [] : [{ field, text }]));
}

const toInstructionKindJson = (kind: InstructionKindDto) =>
  `INSTRUCTION_KIND_${kind.toUpperCase()}` as Exclude<InstructionKindJson, 'INSTRUCTION_KIND_UNSPECIFIED'>;

/** The domain command of a change, its texts replaced by their sealed form. */
function domainCommandOf(
  change: CaseTextChange,
  sealed: ReadonlyMap<string, SealedTextJson>,
  metadata: CommandMetadataInput,
): CaseCommand {
  const text = (field: string): SealedTextJson => {
    const value = sealed.get(field);
    if (value === undefined) throw new Error(`${change.type}.${field} was not sealed`);
    return value;
  };
  switch (change.type) {
    case 'RecordMeasure':
      return {
        type: change.type,
        data: { measureId: change.measureId, description: text('description') },
        metadata,
      };
    case 'IssueInstruction':
      return {
        type: change.type,
        data: {
          instructionId: change.instructionId,
          kind: toInstructionKindJson(change.kind),
          dueAt: change.dueAt,
          text: text('text'),
        },
        metadata,
      };
    case 'ReportInstructionProgress':
      return {
        type: change.type,
        data: { instructionId: change.instructionId, note: text('note') },
        metadata,
      };
    case 'CompleteInstruction':
      return {
        type: change.type,
        data: { instructionId: change.instructionId, evidenceNote: text('evidenceNote') },
        metadata,
      };
    case 'ReopenInstruction':
      return {
        type: change.type,
        data: { instructionId: change.instructionId, reason: text('reason') },
        metadata,
      };
    case 'IdentifyCause':
      return {
        type: change.type,
        data: { cause: text('cause'), causedByProcessor: change.causedByProcessor },
        metadata,
      };
    case 'CloseCase':
      return { type: change.type, data: { reason: sealed.get('reason') }, metadata };
  }
}

/**
 * Runs a change that carries free text. The texts are sealed with the case's key (created on first use)
 * inside the transaction of the append: a refused or conflicting change rolls back the key it created.
 * Closing needs If-Match; the other steps check it when sent.
 */
@CommandHandler(CaseTextCommand)
export class CaseTextHandler implements ICommandHandler<CaseTextCommand, CaseResponseDto> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(CaseKeyring) private readonly keyring: CaseKeyring,
  ) {}

  execute({ context, change }: CaseTextCommand): Promise<CaseResponseDto> {
    const ifMatch = change.type === 'CloseCase' ? 'required' : 'optional';
    return this.dataSource.transaction((manager) =>
      changeCase(
        this.store,
        context,
        async (metadata) =>
          domainCommandOf(change, await this.#seal(context.caseId, change, manager), metadata),
        ifMatch,
        manager,
      ),
    );
  }

  async #seal(
    caseId: string,
    change: CaseTextChange,
    manager: EntityManager,
  ): Promise<ReadonlyMap<string, SealedTextJson>> {
    const texts = textsOf(change);
    // no text, no key: a case closed without a reason gets none
    if (texts.length === 0) return new Map();
    const sealed = await this.keyring.sealMany(
      caseId,
      texts.map(({ text }) => ({ text, purpose: PURPOSE_OF[change.type] })),
      manager,
    );
    return new Map(texts.map(({ field }, i) => [field, sealedToJson(sealed[i])]));
  }
}

@QueryHandler(GetCaseQuery)
export class GetCaseHandler implements IQueryHandler<GetCaseQuery, CaseDetailDto> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(CaseKeyring) private readonly keyring: CaseKeyring,
  ) {}

  async execute({ caseId, principal }: GetCaseQuery): Promise<CaseDetailDto> {
    const { state, version } = await readVisibleCase(this.store, caseId, principal);
    return caseDetail(this.keyring, toResponse(caseId, state, version), state);
  }
}

export class ListCasesQuery {
  constructor(
    readonly filter: CaseListFilter,
    /** the reader: only cases of its contracts are listed */
    readonly principal: Principal,
  ) {}
}

@QueryHandler(ListCasesQuery)
export class ListCasesHandler implements IQueryHandler<ListCasesQuery, CaseSummaryPage> {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute({ filter, principal }: ListCasesQuery): Promise<CaseSummaryPage> {
    const { rows, more } = await listCaseSummaries(this.dataSource.manager, principal.contracts, filter);
    const last = rows.at(-1);
    return {
      items: rows,
      ...(more && last
        ? { nextCursor: encodeCursor({ reportedAt: last.reportedAt, caseId: last.caseId }) }
        : {}),
    };
  }
}

@CommandHandler(CaseStepCommand)
export class CaseStepHandler implements ICommandHandler<CaseStepCommand, CaseResponseDto> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  execute({ context, step, itemId }: CaseStepCommand): Promise<CaseResponseDto> {
    return this.dataSource.transaction((manager) =>
      changeCase(
        this.store,
        context,
        (metadata): CaseCommand =>
          step === 'CompleteMeasure'
            ? { type: step, data: { measureId: itemId }, metadata }
            : { type: step, data: { instructionId: itemId }, metadata },
        'optional',
        manager,
      ),
    );
  }
}

export const CASE_HANDLERS = [
  ReportIncidentHandler,
  AmendReportHandler,
  CaseTextHandler,
  CaseStepHandler,
  GetCaseHandler,
  ListCasesHandler,
  ContractClientKinds,
];
