import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CaseHistory, HistoryEntryDto } from './case-history.js';

/**
 * The case timeline as a list of events. Until the identity issue lands the route is not
 * tenant-scoped and must not be exposed beyond a trusted network.
 */
@ApiTags('timeline')
@Controller('cases')
export class HistoryController {
  constructor(private readonly history: CaseHistory) {}

  @Get(':caseId/events')
  @ApiOkResponse({ type: HistoryEntryDto, isArray: true })
  events(@Param('caseId', new ParseUUIDPipe()) caseId: string): Promise<HistoryEntryDto[]> {
    return this.history.forCase(caseId);
  }
}
