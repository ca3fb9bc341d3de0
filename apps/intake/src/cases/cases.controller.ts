import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequireJson, requestStateOf } from '#libs/platform';
import { GetCaseQuery, ReportIncidentCommand } from './case-commands.js';
import { CaseResponseDto, ReportIncidentDto } from './report-incident.dto.js';

/**
 * The case API. Until the identity issue lands, requests carry no authenticated user: the actor is
 * recorded as `unauthenticated` and the routes must not be exposed beyond a trusted network.
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
  @RequireJson()
  @ApiCreatedResponse({ type: CaseResponseDto })
  async report(
    @Body() body: ReportIncidentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const command = new ReportIncidentCommand(
      body,
      { id: 'unauthenticated', kind: 'user' },
      new Date(),
      requestStateOf(req)?.correlationId,
    );
    const created: CaseResponseDto = await this.commands.execute(command);
    res.setHeader('ETag', `"${created.version}"`).setHeader('Location', `/cases/${created.caseId}`);
    return created;
  }

  @Get(':caseId')
  @ApiOkResponse({ type: CaseResponseDto })
  async get(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseResponseDto> {
    const found: CaseResponseDto = await this.queries.execute(new GetCaseQuery(caseId));
    res.setHeader('ETag', `"${found.version}"`);
    return found;
  }
}
