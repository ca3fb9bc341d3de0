import { createHash } from 'node:crypto';
import { Controller, Get, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { AccessKind } from '#libs/audit';
import { CurrentPrincipal, type Principal, Roles } from '#libs/auth';
import {
  AuditExport,
  type CaseAuditExport,
  EXPORT_STYLE,
  exportToCsv,
  exportToHtml,
} from './audit-export.js';

export class ExportQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'csv', 'html'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv', 'html'])
  format?: 'json' | 'csv' | 'html';
}

const HTML_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(EXPORT_STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/** The audit export of one case (Art. 15/17): events, access records, integrity checks. */
@ApiTags('audit')
@Controller('cases')
export class AuditExportController {
  constructor(private readonly exporter: AuditExport) {}

  @Get(':caseId/audit-export')
  @Roles('responsible', 'client_officer', 'auditor', 'admin')
  @AccessKind('export')
  @ApiProduces('application/json', 'text/csv', 'text/html')
  @ApiOkResponse({
    description: 'the case’s full record; the download is itself an access record (kind export)',
  })
  @ApiNotFoundResponse({ description: 'No such case, or not one of the caller’s contracts.' })
  async export(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: ExportQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseAuditExport | string> {
    const data = await this.exporter.build(caseId, principal);
    const name = `case-${data.case.caseNumber ?? caseId}_audit_${data.generatedAt.slice(0, 10)}`;
    res.setHeader('Cache-Control', 'no-store');
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
      return exportToCsv(data);
    }
    if (query.format === 'html') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Content-Security-Policy', HTML_CSP);
      return exportToHtml(data);
    }
    res.setHeader('Content-Disposition', `attachment; filename="${name}.json"`);
    return data;
  }
}
