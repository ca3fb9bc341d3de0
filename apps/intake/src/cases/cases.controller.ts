import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated, CurrentActor, CurrentPrincipal, type Principal, Roles } from '#libs/auth';
import type { Actor } from '#libs/event-store';
import { RequireJson, requestStateOf } from '#libs/platform';
import { GetCaseQuery, ReportIncidentCommand } from './case-commands.js';
import { CaseResponseDto, ReportIncidentDto } from './report-incident.dto.js';

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
  @ApiCreatedResponse({ type: CaseResponseDto })
  @ApiNotFoundResponse({ description: 'The contract is unknown or not assigned to the caller.' })
  async report(
    @Body() body: ReportIncidentDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const command = new ReportIncidentCommand(
      body,
      principal,
      actor,
      new Date(),
      requestStateOf(req)?.correlationId,
    );
    const created: CaseResponseDto = await this.commands.execute(command);
    res.setHeader('ETag', `"${created.version}"`).setHeader('Location', `/cases/${created.caseId}`);
    return created;
  }

  @Get(':caseId')
  @Authenticated()
  @ApiOkResponse({ type: CaseResponseDto })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async get(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const found: CaseResponseDto = await this.queries.execute(new GetCaseQuery(caseId, principal));
    res.setHeader('ETag', `"${found.version}"`);
    return found;
  }
}
