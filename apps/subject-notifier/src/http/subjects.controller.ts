import {
  Body,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccessKind } from '#libs/audit';
import { Authenticated, type Principal, principalOf, Roles } from '#libs/auth';
import { ApiError, RequireJson } from '#libs/platform';
import { Campaigns } from '../campaigns/campaigns.js';
import { Outreach } from '../campaigns/outreach.js';
import { progressPage } from '../campaigns/progress-view.js';
import { CaseRegistry } from '../cases/case-registry.js';
import { type Clock, SUBJECT_CLOCK } from '../clock.js';
import { renderCertificate } from '../erasure/certificate-page.js';
import { Erasure } from '../erasure/erasure.js';
import { DEFAULT_MAPPING } from '../imports/csv-rows.js';
import { Imports } from '../imports/imports.js';
import { PersonVault } from '../persons/person-vault.js';
import {
  BounceDto,
  ErasureDto,
  ImportQueryDto,
  LettersPostedDto,
  PageQueryDto,
  PublicNoticeDto,
  RecordCallDto,
  StartCampaignDto,
} from './dto.js';

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream'];

/** What a route of a case (and of one of its campaigns) acts on, and who asks. */
export interface Target {
  readonly principal: Principal;
  readonly caseId: string;
  /** the `:campaignId` or `:importId` of the path, when it has one */
  readonly itemId: string;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller and the path's UUIDs (`caseId`, and `campaignId` or `importId`), each a 400 when not a UUID. */
const On = createParamDecorator((_data: unknown, context: ExecutionContext): Target => {
  const req = context.switchToHttp().getRequest<Request>();
  const principal = principalOf(req);
  if (!principal) throw new Error('@On() used on a route that does not require authentication');
  const ids: Record<string, string> = {};
  for (const field of ['caseId', 'campaignId', 'importId']) {
    const value = req.params[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
      throw new ApiError('validation', `${field} must be a UUID`, {
        details: [{ field, problem: 'must be a UUID' }],
      });
    }
    ids[field] = value.toLowerCase();
  }
  return { principal, caseId: ids.caseId, itemId: ids.campaignId ?? ids.importId ?? '' };
});

/** Streams a download (CSV, or a printable HTML page) produced by `rows` (the first chunk is awaited before any header is sent, so errors map). */
async function streamDownload(
  res: Response,
  filename: string,
  rows: AsyncGenerator<string>,
  type = 'text/csv',
): Promise<void> {
  const first = await rows.next();
  res.status(200);
  res.setHeader('Content-Type', `${type}; charset=utf-8`);
  res.setHeader(
    'Content-Disposition',
    `${type === 'text/csv' ? 'attachment' : 'inline'}; filename="${filename}"`,
  );
  res.setHeader('Cache-Control', 'no-store');
  if (!first.done) res.write(first.value);
  for await (const chunk of rows) {
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

/**
 * The API of subject-notifier (docs/subject-notifier.md). Every route is authenticated and scoped to the
 * caller's contracts: a case outside them answers 404 like an unknown one.
 */
@ApiTags('subjects')
@ApiParam({ name: 'caseId', format: 'uuid' })
@Controller('cases/:caseId')
export class SubjectsController {
  constructor(
    private readonly cases: CaseRegistry,
    private readonly imports: Imports,
    private readonly vault: PersonVault,
    private readonly campaigns: Campaigns,
    private readonly outreach: Outreach,
    private readonly erasure: Erasure,
    @Inject(SUBJECT_CLOCK) private readonly clock: Clock,
  ) {}

  @Post('imports')
  @HttpCode(201)
  @Roles('responder', 'responsible')
  @ApiOkResponse({ description: 'The validation report (nothing is a person until it is confirmed).' })
  async upload(@On() on: Target, @Query() query: ImportQueryDto, @Req() req: Request) {
    await this.cases.visibleLive(on.principal, on.caseId); // 404 outside the caller's contracts before anything else
    const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!CSV_TYPES.includes(type)) {
      throw new ApiError(
        'unsupported_media_type',
        'Upload the file as text/csv (the raw bytes as the body).',
      );
    }
    return this.imports.upload(on.principal, on.caseId, req, {
      encoding: query.encoding ?? 'auto',
      mapping: {
        name: query.nameColumn ?? DEFAULT_MAPPING.name,
        email: query.emailColumn ?? DEFAULT_MAPPING.email,
        phone: query.phoneColumn ?? DEFAULT_MAPPING.phone,
        address: query.addressColumn ?? DEFAULT_MAPPING.address,
        language: query.languageColumn ?? DEFAULT_MAPPING.language,
        items: query.itemsColumn ?? DEFAULT_MAPPING.items,
      },
      now: this.clock.now(),
    });
  }

  @Get('imports/:importId')
  @Roles('responder', 'responsible', 'auditor')
  getImport(@On() on: Target) {
    return this.imports.report(on.principal, on.caseId, on.itemId);
  }

  @Post('imports/:importId/confirmation')
  @HttpCode(200)
  @Roles('responder', 'responsible')
  confirmImport(@On() on: Target) {
    return this.imports.confirm(on.principal, on.caseId, on.itemId, this.clock.now());
  }

  @Get('persons')
  @Roles('responder', 'responsible', 'auditor')
  @AccessKind('export')
  async persons(@On() on: Target, @Query() page: PageQueryDto) {
    await this.cases.visibleLive(on.principal, on.caseId);
    return {
      persons: await this.vault.readPersons(on.caseId, {
        offset: page.offset ?? 0,
        limit: page.limit ?? 100,
      }),
    };
  }

  @Post('campaigns')
  @HttpCode(201)
  @Roles('responder', 'responsible')
  @RequireJson()
  start(@On() on: Target, @Body() body: StartCampaignDto) {
    return this.campaigns.start(on.principal, on.caseId, body, this.clock.now());
  }

  @Get('campaigns')
  @Authenticated()
  async list(@On() on: Target) {
    return { campaigns: await this.campaigns.list(on.principal, on.caseId, this.clock.now()) };
  }

  @Get('campaigns/:campaignId')
  @Authenticated()
  @ApiOkResponse({ description: 'Progress: counts per status, sent / total, rate and estimated finish.' })
  progress(@On() on: Target) {
    return this.campaigns.progress(on.principal, on.caseId, on.itemId, this.clock.now());
  }

  /** The progress as a page for the case view: a `<progress>` bar that reloads itself while the campaign runs. */
  @Get('campaigns/:campaignId/progress')
  @Authenticated()
  @ApiOkResponse({ description: 'An HTML page with the progress bar and the counts per status.' })
  async progressPage(@On() on: Target, @Res({ passthrough: true }) res: Response): Promise<string> {
    const progress = await this.campaigns.progress(on.principal, on.caseId, on.itemId, this.clock.now());
    res.type('html').setHeader('Cache-Control', 'no-store');
    return progressPage(progress);
  }

  @Post('campaigns/:campaignId/pause')
  @HttpCode(200)
  @Roles('responder', 'responsible')
  pause(@On() on: Target) {
    return this.campaigns.pause(on.principal, on.caseId, on.itemId, this.clock.now());
  }

  @Post('campaigns/:campaignId/resume')
  @HttpCode(200)
  @Roles('responder', 'responsible')
  resume(@On() on: Target) {
    return this.campaigns.resume(on.principal, on.caseId, on.itemId, this.clock.now());
  }

  @Post('campaigns/:campaignId/cancellation')
  @HttpCode(200)
  @Roles('responsible')
  cancel(@On() on: Target) {
    return this.campaigns.cancel(on.principal, on.caseId, on.itemId, this.clock.now());
  }

  @Post('campaigns/:campaignId/bounces')
  @HttpCode(204)
  @Roles('responder', 'responsible', 'admin')
  @RequireJson()
  async bounce(@On() on: Target, @Body() body: BounceDto): Promise<void> {
    await this.outreach.bounce(on.principal, on.caseId, on.itemId, body, this.clock.now());
    const now = this.clock.now();
    await this.campaigns.settle(on.itemId, now);
  }

  @Get('campaigns/:campaignId/delivery-report')
  @Roles('auditor', 'responsible')
  @AccessKind('export')
  @ApiOkResponse({
    description: 'CSV: reference, name, channel, status, time, Message-ID, attempts, reason.',
  })
  async deliveryReport(@On() on: Target, @Res() res: Response): Promise<void> {
    await streamDownload(
      res,
      `delivery-report-${on.itemId}.csv`,
      this.outreach.deliveryReport(on.principal, on.caseId, on.itemId),
    );
  }

  @Get('campaigns/:campaignId/letters')
  @Roles('responder', 'responsible')
  @AccessKind('export')
  @ApiOkResponse({
    description: 'Mail-merge CSV of the persons to be written to (postal address, not reached).',
  })
  async letters(@On() on: Target, @Res() res: Response): Promise<void> {
    await streamDownload(
      res,
      `letters-${on.itemId}.csv`,
      this.outreach.letters(on.principal, on.caseId, on.itemId),
    );
  }

  @Get('campaigns/:campaignId/letters/print')
  @Roles('responder', 'responsible')
  @AccessKind('export')
  @ApiOkResponse({ description: 'Printable letters (HTML, one A4 page per person) for the same persons.' })
  async printableLetters(@On() on: Target, @Res() res: Response): Promise<void> {
    await streamDownload(
      res,
      `letters-${on.itemId}.html`,
      this.outreach.printableLetters(on.principal, on.caseId, on.itemId),
      'text/html',
    );
  }

  @Post('campaigns/:campaignId/letters')
  @HttpCode(200)
  @Roles('responder', 'responsible')
  @RequireJson()
  lettersPosted(@On() on: Target, @Body() body: LettersPostedDto) {
    return this.outreach.lettersPosted(
      on.principal,
      on.caseId,
      on.itemId,
      { references: body.references, postedAt: new Date(body.postedAt) },
      this.clock.now(),
    );
  }

  @Get('campaigns/:campaignId/calls')
  @Roles('responder', 'responsible')
  @AccessKind('export')
  async callList(@On() on: Target) {
    return { persons: await this.outreach.callList(on.principal, on.caseId, on.itemId) };
  }

  @Post('campaigns/:campaignId/calls')
  @HttpCode(201)
  @Roles('responder', 'responsible')
  @RequireJson()
  recordCall(@On() on: Target, @Body() body: RecordCallDto) {
    return this.outreach.recordCall(
      on.principal,
      on.caseId,
      on.itemId,
      { reference: body.reference, calledAt: new Date(body.calledAt), result: body.result },
      this.clock.now(),
    );
  }

  @Post('campaigns/:campaignId/public-notice')
  @HttpCode(201)
  @Roles('responsible')
  @RequireJson()
  publicNotice(@On() on: Target, @Body() body: PublicNoticeDto) {
    return this.outreach.postPublicNotice(
      on.principal,
      on.caseId,
      on.itemId,
      { url: body.url, postedAt: new Date(body.postedAt) },
      this.clock.now(),
    );
  }

  @Post('erasure')
  @HttpCode(201)
  @Roles('responsible')
  @RequireJson()
  erase(@On() on: Target, @Body() body: ErasureDto) {
    return this.erasure.eraseByRequest(on.principal, on.caseId, body.reason, this.clock.now());
  }

  @Get('erasure')
  @Authenticated()
  @ApiOkResponse({
    description: 'The erasure certificate: JSON, or a printable page with Accept: text/html.',
  })
  async certificate(@On() on: Target, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const certificate = await this.erasure.certificate(on.principal, on.caseId);
    const html = req.accepts(['application/json', 'text/html']) === 'text/html';
    if (!certificate) {
      if (!html) return { erased: false };
      throw new ApiError('not_found', 'The persons of this case were not erased.', { code: 'not_erased' });
    }
    if (html) {
      res.type('html');
      return renderCertificate(certificate);
    }
    return { erased: true, ...certificate };
  }
}
