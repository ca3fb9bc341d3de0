import { Controller, Get, Header, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, type Principal } from '#libs/auth';
import { CaseReader } from '../projection/case-reader.js';
import { PAGE_CSP, renderCasePicture, renderPicturePage } from './case-picture.js';

/** The case picture: stages and clocks on a time axis, as SVG and as a printable page. */
@ApiTags('timeline')
@Controller('cases')
export class PictureController {
  constructor(private readonly reader: CaseReader) {}

  @Get(':caseId/picture.svg')
  @Authenticated()
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({ description: 'the case picture (SVG, no scripts)' })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async svg(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<string> {
    return renderCasePicture(await this.reader.view(caseId, principal), this.reader.now());
  }

  @Get(':caseId/picture')
  @Authenticated()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'a printable page with the picture, the clocks and what comes next' })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async page(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<string> {
    return renderPicturePage(await this.reader.view(caseId, principal), this.reader.now());
  }
}
