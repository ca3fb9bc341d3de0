import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '#libs/auth';
import { CaseHistory, HistoryEntryDto } from './case-history.js';

/** The case timeline as a list of events, tenant-scoped by the case's contract. */
@ApiTags('timeline')
@Controller('cases')
export class HistoryController {
  constructor(private readonly history: CaseHistory) {}

  @Get(':caseId/events')
  @Authenticated()
  @ApiOkResponse({ type: HistoryEntryDto, isArray: true })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  events(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HistoryEntryDto[]> {
    return this.history.forCase(caseId, principal);
  }
}
