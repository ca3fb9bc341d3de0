import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '#libs/auth';
import { CaseListDto, CaseOverviewDto, CaseReader, ListCasesQueryDto } from './case-reader.js';

/** The case list and one case's state: stages, clocks, what is open and what is expected next. */
@ApiTags('timeline')
@Controller('cases')
export class CasesController {
  constructor(private readonly reader: CaseReader) {}

  @Get()
  @Authenticated()
  @ApiOkResponse({ type: CaseListDto, description: 'the caller’s contracts’ cases, overdue first' })
  list(@Query() query: ListCasesQueryDto, @CurrentPrincipal() principal: Principal): Promise<CaseListDto> {
    return this.reader.list(principal, query);
  }

  @Get(':caseId')
  @Authenticated()
  @ApiOkResponse({ type: CaseOverviewDto })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  overview(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseOverviewDto> {
    return this.reader.overview(caseId, principal);
  }
}
