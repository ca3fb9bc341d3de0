import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsDateString, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { Authenticated, CurrentActor, CurrentPrincipal, type Principal, Roles } from '#libs/auth';
import type { Actor } from '#libs/event-store';
import { ApiError } from '#libs/platform';
import { REGULATOR_REPORT_KINDS, type RegulatorReportKind } from './regulator-report.js';
import { RegulatorReports } from './regulator-reports.js';

const RESPONDERS = ['responder', 'responsible'] as const;

export class DraftReportDto {
  @ApiProperty({ enum: REGULATOR_REPORT_KINDS })
  @IsIn(REGULATOR_REPORT_KINDS)
  kind!: RegulatorReportKind;
}

export class SubmitReportDto {
  @ApiProperty({ description: 'when the report was submitted (ISO 8601)' })
  @IsDateString({ strict: true })
  submittedAt!: string;

  @ApiProperty({ description: 'the regulator’s reference (receipt) number' })
  @IsString()
  @Matches(/^[\p{L}\p{N}][\p{L}\p{N} ._/-]*$/u, {
    message: 'referenceNumber must be letters, digits, space . _ / -',
  })
  @MaxLength(100)
  referenceNumber!: string;
}

/** Regulator report drafts of a case (PPC 速報/確報, GDPR Art. 33, the processor's notice). */
@ApiTags('regulator-reports')
@ApiNotFoundResponse({ description: 'No such case or report, or not one of the caller’s contracts.' })
@Controller('cases/:caseId/regulator-reports')
export class RegulatorReportsController {
  constructor(private readonly reports: RegulatorReports) {}

  @Post()
  @Roles(...RESPONDERS)
  draft(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Body() body: DraftReportDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    return this.reports.draft(caseId, body.kind, principal, actor, new Date());
  }

  @Get(':reportId')
  @Authenticated()
  view(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('reportId', new ParseUUIDPipe()) reportId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.reports.view(caseId, reportId, principal);
  }

  @Get(':reportId/text')
  @Authenticated()
  async text(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('reportId', new ParseUUIDPipe()) reportId: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const view = await this.reports.view(caseId, reportId, principal);
    res.type('text/plain; charset=utf-8').send(view.text);
  }

  @Get(':reportId/html')
  @Authenticated()
  async html(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('reportId', new ParseUUIDPipe()) reportId: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    res.type('text/html; charset=utf-8').send(await this.reports.html(caseId, reportId, principal));
  }

  @Post(':reportId/submission')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  submit(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Param('reportId', new ParseUUIDPipe()) reportId: string,
    @Body() body: SubmitReportDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ) {
    const submittedAt = new Date(body.submittedAt);
    const now = new Date();
    if (submittedAt.getTime() > now.getTime() + 60_000) {
      throw new ApiError('validation', 'submittedAt must not be in the future', {
        details: [{ field: 'submittedAt', problem: 'must not be in the future' }],
      });
    }
    return this.reports.submit(
      caseId,
      reportId,
      submittedAt,
      body.referenceNumber.trim(),
      principal,
      actor,
      now,
    );
  }
}
