import {
  Body,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import {
  Authenticated,
  actorOf,
  authenticationOf,
  CurrentActor,
  CurrentPrincipal,
  type Principal,
  Roles,
} from '#libs/auth';
import type { Actor } from '#libs/event-store';
import { ApiError, RequireJson, requestStateOf } from '#libs/platform';
import {
  AmendReportCommand,
  type CaseChangeContext,
  CaseStepCommand,
  CaseTextCommand,
  GetCaseQuery,
  ListCasesQuery,
  ReportIncidentCommand,
  type ReportOutcome,
} from './case-commands.js';
import { CaseSummaryPage } from './case-summaries.js';
import {
  CloseCaseDto,
  CompleteInstructionDto,
  IdentifyCauseDto,
  InstructionIssuedResponseDto,
  InstructionProgressDto,
  IssueInstructionDto,
  MeasureRecordedResponseDto,
  RecordMeasureDto,
  ReopenInstructionDto,
} from './case-texts.dto.js';
import { CaseDetailDto } from './case-view.js';
import { bodyHashOf, etagOf, idempotencyKeyOf, StaleCaseVersionError } from './http-preconditions.js';
import { ListCasesQueryDto, listFilterOf } from './list-cases.dto.js';
import { AmendReportDto, CaseResponseDto, ReportIncidentDto } from './report-incident.dto.js';

const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: true,
  description: 'the ETag of the case the change is based on, e.g. "3"; missing → 400 if_match_required',
};

const OPTIONAL_IF_MATCH_HEADER = {
  name: 'If-Match',
  required: false,
  description: 'when sent, the ETag of the case the step is based on; a stale one → 412',
};

/**
 * What every change of a case takes from the request: the case (its id must be a UUID), the caller as
 * principal and as event actor, the If-Match header, the time and the correlation id.
 */
const CaseChange = createParamDecorator((_data: unknown, context: ExecutionContext): CaseChangeContext => {
  const req = context.switchToHttp().getRequest<Request>();
  const caseId = req.params.caseId;
  if (typeof caseId !== 'string' || !isUUID(caseId)) {
    throw new ApiError('validation', 'caseId must be a UUID', {
      details: [{ field: 'caseId', problem: 'must be a UUID' }],
    });
  }
  const auth = authenticationOf(req);
  if (!auth) throw new Error('@CaseChange() used on a route that does not require authentication');
  return {
    caseId,
    principal: auth.principal,
    actor: actorOf(auth.principal, auth.role),
    ifMatch: req.header('if-match'),
    now: new Date(),
    correlationId: requestStateOf(req)?.correlationId,
  };
});

/**
 * The case API. Every route is authenticated; a case (or contract) outside the caller's contracts
 * answers 404 exactly like one that does not exist.
 */
@ApiTags('cases')
@Controller('cases')
export class CasesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('reporter', 'responder', 'responsible')
  @RequireJson()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a retry with the same key and body returns the same case (200); another body → 422',
  })
  @ApiCreatedResponse({ type: CaseResponseDto })
  @ApiOkResponse({ type: CaseResponseDto, description: 'A retry: the case the same key created before.' })
  @ApiNotFoundResponse({ description: 'The contract is unknown or not assigned to the caller.' })
  @ApiUnprocessableEntityResponse({
    description: '`idempotency_key_reused`: the key came with another body.',
  })
  async report(
    @Body() body: ReportIncidentDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const key = idempotencyKeyOf(idempotencyKey);
    const command = new ReportIncidentCommand(
      body,
      principal,
      actor,
      new Date(),
      requestStateOf(req)?.correlationId,
      // the body as sent (before validation's transformation), so a retry is compared byte for meaning
      key === undefined ? undefined : { key, bodySha256: bodyHashOf(req.body) },
    );
    const { response, replayed }: ReportOutcome = await this.commands.execute(command);
    res.status(replayed ? 200 : 201);
    res.setHeader('ETag', etagOf(response.version)).setHeader('Location', `/cases/${response.caseId}`);
    return response;
  }

  @Post(':caseId/amendments')
  @HttpCode(200)
  @Roles('reporter', 'responder', 'responsible')
  @RequireJson()
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The amended case and its new ETag.' })
  @ApiBadRequestResponse({
    description: 'Invalid amendment, or If-Match missing (`if_match_required`) or malformed.',
  })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({
    description: 'The case changed since that ETag; the body names the current version.',
  })
  @ApiConflictResponse({ description: 'The case is closed.' })
  amend(
    @CaseChange() context: CaseChangeContext,
    @Body() body: AmendReportDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    return this.#change(new AmendReportCommand(context, body), res);
  }

  /**
   * Closes the case. With open instructions a responder is refused (409 `case.open_instructions`); the
   * responsible person may close then, with a reason (400 `case.close_reason_required` without one).
   */
  @Post(':caseId/closure')
  @HttpCode(200)
  @Roles('responder', 'responsible')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The closed case and its new ETag.' })
  @ApiBadRequestResponse({
    description: 'If-Match missing (`if_match_required`) or malformed, or a reason needed but not given.',
  })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({
    description: 'The case changed since that ETag; the body names the current version.',
  })
  @ApiConflictResponse({ description: 'Instructions are still open, or the case is already closed.' })
  close(
    @CaseChange() context: CaseChangeContext,
    @Body() body: CloseCaseDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    return this.#change(new CaseTextCommand(context, { type: 'CloseCase', reason: body.reason }), res);
  }

  @Post(':caseId/measures')
  @HttpCode(201)
  @Roles('reporter', 'responder', 'responsible')
  @RequireJson()
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiCreatedResponse({
    type: MeasureRecordedResponseDto,
    description: 'The case, its new ETag, the measure.',
  })
  @ApiBadRequestResponse({ description: 'The description is missing, empty or too long.' })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'The case is closed.' })
  async recordMeasure(
    @CaseChange() context: CaseChangeContext,
    @Body() body: RecordMeasureDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MeasureRecordedResponseDto> {
    const measureId = uuidv7();
    const change = { type: 'RecordMeasure', measureId, description: body.description } as const;
    const changed = await this.#change(new CaseTextCommand(context, change), res);
    res.setHeader('Location', `/cases/${context.caseId}/measures/${measureId}`);
    return { ...changed, measureId };
  }

  @Post(':caseId/instructions')
  @HttpCode(201)
  @Roles('client_officer')
  @RequireJson()
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiCreatedResponse({
    type: InstructionIssuedResponseDto,
    description: 'The case, its new ETag, the instruction.',
  })
  @ApiBadRequestResponse({ description: 'Invalid kind, text or due date (it must be in the future).' })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'The case is closed.' })
  async issueInstruction(
    @CaseChange() context: CaseChangeContext,
    @Body() body: IssueInstructionDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<InstructionIssuedResponseDto> {
    const instructionId = uuidv7();
    const dueAt = body.dueAt === undefined ? undefined : new Date(body.dueAt);
    const change = {
      type: 'IssueInstruction',
      instructionId,
      kind: body.kind,
      dueAt,
      text: body.text,
    } as const;
    const changed = await this.#change(new CaseTextCommand(context, change), res);
    res.setHeader('Location', `/cases/${context.caseId}/instructions/${instructionId}`);
    return { ...changed, instructionId };
  }

  @Post(':caseId/instructions/:instructionId/progress')
  @HttpCode(200)
  @Roles('reporter', 'responder', 'responsible')
  @RequireJson()
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case and its new ETag.' })
  @ApiBadRequestResponse({ description: 'The note is missing, empty or too long.' })
  @ApiNotFoundResponse({ description: 'No such case or instruction, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'Not acknowledged, already completed, or the case is closed.' })
  reportInstructionProgress(
    @CaseChange() context: CaseChangeContext,
    @Param('instructionId', new ParseUUIDPipe()) instructionId: string,
    @Body() body: InstructionProgressDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const change = { type: 'ReportInstructionProgress', instructionId, note: body.note } as const;
    return this.#change(new CaseTextCommand(context, change), res);
  }

  @Post(':caseId/instructions/:instructionId/completion')
  @HttpCode(200)
  @Roles('reporter', 'responder', 'responsible')
  @RequireJson()
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case and its new ETag.' })
  @ApiBadRequestResponse({ description: 'The evidence note is missing, empty or too long.' })
  @ApiNotFoundResponse({ description: 'No such case or instruction, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'Not acknowledged, already completed, or the case is closed.' })
  completeInstruction(
    @CaseChange() context: CaseChangeContext,
    @Param('instructionId', new ParseUUIDPipe()) instructionId: string,
    @Body() body: CompleteInstructionDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const change = { type: 'CompleteInstruction', instructionId, evidenceNote: body.evidenceNote } as const;
    return this.#change(new CaseTextCommand(context, change), res);
  }

  @Post(':caseId/instructions/:instructionId/reopening')
  @HttpCode(200)
  @Roles('client_officer')
  @RequireJson()
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case and its new ETag.' })
  @ApiBadRequestResponse({ description: 'The reason is missing, empty or too long.' })
  @ApiNotFoundResponse({ description: 'No such case or instruction, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'Not completed, or the case is closed.' })
  reopenInstruction(
    @CaseChange() context: CaseChangeContext,
    @Param('instructionId', new ParseUUIDPipe()) instructionId: string,
    @Body() body: ReopenInstructionDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const change = { type: 'ReopenInstruction', instructionId, reason: body.reason } as const;
    return this.#change(new CaseTextCommand(context, change), res);
  }

  /** Records the cause as understood now; a later one revises it. */
  @Post(':caseId/cause')
  @HttpCode(200)
  @Roles('reporter', 'responder', 'responsible')
  @RequireJson()
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case and its new ETag.' })
  @ApiBadRequestResponse({ description: 'The cause is missing, empty or too long.' })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'The case is closed.' })
  identifyCause(
    @CaseChange() context: CaseChangeContext,
    @Body() body: IdentifyCauseDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const change = {
      type: 'IdentifyCause',
      cause: body.cause,
      causedByProcessor: body.causedByProcessor ?? 'unknown',
    } as const;
    return this.#change(new CaseTextCommand(context, change), res);
  }

  @Post(':caseId/instructions/:instructionId/acknowledgement')
  @HttpCode(200)
  @Roles('reporter', 'responder', 'responsible')
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case and its new ETag.' })
  @ApiNotFoundResponse({ description: 'No such case or instruction, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'Already acknowledged, or the case is closed.' })
  acknowledgeInstruction(
    @CaseChange() context: CaseChangeContext,
    @Param('instructionId', new ParseUUIDPipe()) instructionId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    return this.#change(new CaseStepCommand(context, 'AcknowledgeInstruction', instructionId), res);
  }

  @Post(':caseId/instructions/:instructionId/confirmation')
  @HttpCode(200)
  @Roles('client_officer')
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case and its new ETag.' })
  @ApiNotFoundResponse({ description: 'No such case or instruction, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'Not completed, already confirmed, or the case is closed.' })
  confirmInstruction(
    @CaseChange() context: CaseChangeContext,
    @Param('instructionId', new ParseUUIDPipe()) instructionId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    return this.#change(new CaseStepCommand(context, 'ConfirmInstruction', instructionId), res);
  }

  /** Completes a measure without a result note (the note is sealed text, not accepted yet). */
  @Post(':caseId/measures/:measureId/completion')
  @HttpCode(200)
  @Roles('reporter', 'responder', 'responsible')
  @ApiHeader(OPTIONAL_IF_MATCH_HEADER)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case and its new ETag.' })
  @ApiNotFoundResponse({ description: 'No such case or measure, or not one of the caller’s contracts.' })
  @ApiPreconditionFailedResponse({ description: 'The case changed since that ETag.' })
  @ApiConflictResponse({ description: 'Already completed, or the case is closed.' })
  completeMeasure(
    @CaseChange() context: CaseChangeContext,
    @Param('measureId', new ParseUUIDPipe()) measureId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    return this.#change(new CaseStepCommand(context, 'CompleteMeasure', measureId), res);
  }

  /**
   * The cases of the caller's contracts, newest report first, filtered by intake stage, contract and
   * dates; paginated with an opaque cursor. A contract outside the caller's scope lists nothing.
   */
  @Get()
  @Authenticated()
  @ApiOkResponse({ type: CaseSummaryPage })
  @ApiBadRequestResponse({ description: 'An unknown filter, a malformed date, limit or cursor.' })
  list(
    @Query() query: ListCasesQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseSummaryPage> {
    return this.queries.execute(new ListCasesQuery(listFilterOf(query), principal));
  }

  @Get(':caseId')
  @Authenticated()
  @ApiOkResponse({ type: CaseDetailDto, description: 'The case, its report as known now and every version.' })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async get(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseDetailDto> {
    const found: CaseDetailDto = await this.queries.execute(new GetCaseQuery(caseId, principal));
    res.setHeader('ETag', etagOf(found.version));
    return found;
  }

  /** Runs a change of the case; answers with its new ETag, or on a 412 with the ETag it is at now. */
  async #change(
    command: AmendReportCommand | CaseTextCommand | CaseStepCommand,
    res: Response,
  ): Promise<CaseResponseDto> {
    try {
      const changed: CaseResponseDto = await this.commands.execute(command);
      res.setHeader('ETag', etagOf(changed.version));
      return changed;
    } catch (error) {
      if (error instanceof StaleCaseVersionError) res.setHeader('ETag', etagOf(error.currentVersion));
      throw error;
    }
  }
}
