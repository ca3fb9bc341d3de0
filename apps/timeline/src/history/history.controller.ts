import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Authenticated, CurrentPrincipal, type Principal } from '#libs/auth';
import { CaseReader } from '../projection/case-reader.js';
import { CaseHistory, HistoryEntryDto } from './case-history.js';

export class HistoryQueryDto {
  @ApiPropertyOptional({
    description:
      'comma-separated categories (report, assessment, instruction, measure, client, clock, subjects, statement, regulator, closure, other) or event type names',
    example: 'instruction,ClientAcknowledged',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(/^[A-Za-z_]+(,[A-Za-z_]+)*$/, { message: 'kind must be comma-separated names' })
  kind?: string;

  @ApiPropertyOptional({ description: 'only events caused by this actor id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ enum: ['user', 'token', 'system'] })
  @IsOptional()
  @IsIn(['user', 'token', 'system'])
  actorKind?: string;
}

/** The case timeline: every event in order, tenant-scoped by the case's contract. */
@ApiTags('timeline')
@Controller('cases')
export class HistoryController {
  constructor(
    private readonly history: CaseHistory,
    private readonly reader: CaseReader,
  ) {}

  @Get(':caseId/events')
  @Authenticated()
  @ApiOkResponse({ type: HistoryEntryDto, isArray: true })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async events(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: HistoryQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HistoryEntryDto[]> {
    const view = await this.reader.view(caseId, principal);
    const stageByEvent = new Map(
      view.stages.filter((stage) => stage.eventId).map((stage) => [stage.eventId as string, stage.id]),
    );
    return this.history.entries(
      caseId,
      {
        ...(query.kind ? { kinds: query.kind.split(',') } : {}),
        ...(query.actor ? { actorId: query.actor } : {}),
        ...(query.actorKind ? { actorKind: query.actorKind } : {}),
      },
      stageByEvent,
    );
  }
}
