import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { AccessKind } from '#libs/audit';
import { Roles } from '#libs/auth';
import { ApiError } from '#libs/platform';
import { AccessAnalysis, assertPeriod, InvalidPeriodError } from './access-analysis.js';
import { type AccessReport, reportToCsv } from './access-report.js';

export class ReportQueryDto {
  /** start of the period (inclusive), ISO 8601 */
  @IsISO8601({ strict: true })
  from!: string;

  /** end of the period (exclusive), ISO 8601; at most 31 days after `from` */
  @IsISO8601({ strict: true })
  to!: string;

  @IsOptional()
  @IsIn(['csv', 'json'])
  format?: 'csv' | 'json';
}

/**
 * The access report for auditors (Art. 6(8)(3)): the analysis of a period as JSON or CSV. It only
 * reads; the download is itself an access record of kind `export`.
 */
@ApiTags('audit')
@Controller('audit')
export class AuditReportController {
  constructor(@Inject(AccessAnalysis) private readonly analysis: AccessAnalysis) {}

  @Get('report')
  @Roles('auditor', 'admin')
  @AccessKind('export')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: 'the report: reads of case data per actor, findings, totals' })
  async report(
    @Query() query: ReportQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AccessReport | string> {
    const from = new Date(query.from);
    const to = new Date(query.to);
    try {
      assertPeriod(from, to);
    } catch (error) {
      if (error instanceof InvalidPeriodError) {
        throw new ApiError('validation', error.message, {
          details: [{ field: 'to', problem: error.message }],
        });
      }
      throw error;
    }
    const report = await this.analysis.report({ from, to });
    const name = `access-report_${from.toISOString().slice(0, 10)}_${to.toISOString().slice(0, 10)}`;
    res.setHeader('Cache-Control', 'no-store');
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
      return reportToCsv(report);
    }
    res.setHeader('Content-Disposition', `attachment; filename="${name}.json"`);
    return report;
  }
}
