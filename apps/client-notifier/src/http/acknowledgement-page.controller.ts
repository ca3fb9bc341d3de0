import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccessKind } from '#libs/audit';
import { CaseNotFoundError, LinkError, Public } from '#libs/auth';
import type { MailLanguage } from '#libs/mail';
import type { Logger } from '#libs/platform';
import { PLATFORM_LOGGER } from '#libs/platform';
import { Acknowledgements } from '../correspondence/acknowledgements.js';
import { openReport } from '../correspondence/case-facts.js';
import type { CaseRecord } from '../correspondence/case-records.js';
import { CaseTexts } from '../directory/case-texts.js';
import { IdentityDirectory } from '../directory/identity-directory.js';
import { acknowledgedPage, acknowledgementPage, linkProblemPage } from './ack-pages.js';

const HTML_HEADERS = { 'cache-control': 'no-store', 'x-robots-tag': 'noindex' };

/**
 * The page behind the acknowledgement link in the first notice (public: the signed link is the
 * credential). GET (and HEAD) only shows the case and the button, so a mail scanner that opens the link
 * acknowledges nothing; the button's POST acknowledges.
 */
@ApiTags('acknowledgements')
@Controller('acknowledgements')
export class AcknowledgementPageController {
  constructor(
    @Inject(Acknowledgements) private readonly acknowledgements: Acknowledgements,
    @Inject(IdentityDirectory) private readonly directory: IdentityDirectory,
    @Inject(CaseTexts) private readonly texts: CaseTexts,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':token')
  @Public()
  @AccessKind('case_read')
  @ApiProduces('text/html')
  @ApiOkResponse({
    description: 'The case summary and the "I confirm receipt" button (HTML). Changes nothing.',
  })
  @ApiForbiddenResponse({ description: 'The link is not genuine, not an acknowledgement link, or expired.' })
  async show(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.answer(res, async () => {
      const { payload, record, acknowledgement } = await this.acknowledgements.viewByLink(token);
      recordCaseForAccessLog(req, payload.caseId);
      const contact = await this.directory.contact(payload.recipient);
      const language: MailLanguage = contact?.language ?? 'en';
      return {
        status: 200,
        html: acknowledgementPage({
          language,
          caseNumber: record.caseNumber,
          contractTitle: (await this.directory.contract(record.contractId ?? ''))?.title ?? '',
          report: await openReport(this.texts, record.report ?? {}),
          assessment: assessmentOf(record, language),
          responsible: await this.responsibleOf(record),
          acknowledgement,
        }),
      };
    });
  }

  @Post(':token')
  @Public()
  @AccessKind('case_write')
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'Receipt confirmed (HTML).' })
  @ApiForbiddenResponse({ description: 'The link is not genuine, not an acknowledgement link, or expired.' })
  async confirm(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.answer(res, async () => {
      const result = await this.acknowledgements.acknowledgeByLink(token);
      recordCaseForAccessLog(req, result.payload.caseId);
      const contact = await this.directory.contact(result.payload.recipient);
      const fresh = result.outcome === 'acknowledged';
      return {
        // a second confirmation is not an error for the person pressing the button, but it changes nothing
        status: fresh ? 200 : 409,
        html: acknowledgedPage(contact?.language ?? 'en', result.caseNumber, result.acknowledgement, fresh),
      };
    });
  }

  private async answer(res: Response, produce: () => Promise<{ status: number; html: string }>) {
    let status: number;
    let html: string;
    try {
      ({ status, html } = await produce());
    } catch (error) {
      if (error instanceof LinkError) {
        status = error.kind === 'conflict' ? 409 : 403;
        html = linkProblemPage(error.code);
      } else if (error instanceof CaseNotFoundError) {
        status = 404;
        html = linkProblemPage('case_not_found');
      } else {
        this.logger.error({ err: error }, 'acknowledgement page failed');
        throw error;
      }
    }
    res.status(status).set(HTML_HEADERS).type('html').send(html);
  }

  private async responsibleOf(record: CaseRecord) {
    const contract = record.contractId ? await this.directory.contract(record.contractId) : undefined;
    const user = contract && (await this.directory.user(contract.responsibleUserId));
    return user && { name: user.displayName, email: user.email };
  }
}

const assessmentOf = (record: CaseRecord, language: MailLanguage) =>
  record.assessment && (language === 'ja' ? record.assessment.summaryJa : record.assessment.summaryEn);

/** The access log records the case a request touched from the `caseId` route parameter; this route has a token. */
function recordCaseForAccessLog(req: Request, caseId: string): void {
  (req.params as Record<string, string>).caseId = caseId;
}
