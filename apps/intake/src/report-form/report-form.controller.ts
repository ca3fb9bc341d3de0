import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Header, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import {
  AuthConfig,
  actorOf,
  authenticationOf,
  CaseNotFoundError,
  ContractNotFoundError,
  cookieOf,
  csrfTokenFor,
  type Principal,
  Public,
  SESSION_COOKIE,
} from '#libs/auth';
import { DomainError, quoteIdentifier } from '#libs/event-store';
import { requestStateOf } from '#libs/platform';
import { ReportIncidentCommand, type ReportOutcome } from '../cases/case-commands.js';
import { bodyHashOf, IdempotencyKeyReusedError } from '../cases/http-preconditions.js';
import { DRAFT_JS, FORM_CSS } from './assets.js';
import {
  type FormField,
  type FormValues,
  formFieldOf,
  reportBodyOf,
  single,
  validateReportBody,
} from './form-input.js';
import { type FormPage, renderForm, renderReceived, renderRefusal } from './form-view.js';
import { type FormLanguage, isFormLanguage, TEXT } from './messages.js';

const LANGUAGE_COOKIE = 'lr_lang';
const REPORTING_ROLES = ['reporter', 'responder', 'responsible'] as const;
const SUBMISSION_ID = /^[0-9a-f-]{36}$/;

/**
 * The report form (`/report`): server-rendered, usable without script, in Japanese or English. It posts
 * through the same command as `POST /cases`, so both accept and refuse exactly the same reports. The
 * routes are public so that a signed-out or expired session gets the form back with what was typed
 * (instead of a bare 401); a post is accepted only from a live session with its CSRF token.
 */
@ApiExcludeController()
@Controller('report')
export class ReportFormController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AuthConfig) private readonly auth: AuthConfig,
  ) {}

  @Get()
  @Public()
  @Header('Cache-Control', 'no-store')
  async form(
    @Query('lang') lang: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const language = this.#language(req, res, lang);
    const principal = authenticationOf(req)?.principal;
    if (principal && !canReport(principal)) {
      res.status(403);
      return renderRefusal(language, TEXT.notReporter[language]);
    }
    return renderForm(await this.#page(req, language, principal, {}, new Set()));
  }

  @Post()
  @Public()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async submit(
    @Body() values: FormValues,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const language = this.#language(req, res, single(values, 'lang') || undefined);
    const authentication = authenticationOf(req);
    if (!authentication) {
      // signed out, session expired, or the CSRF token did not hold: nothing is accepted, nothing is lost
      res.status(401);
      return renderForm(
        await this.#page(req, language, undefined, values, new Set(), TEXT.signedOut[language]),
      );
    }
    const { principal } = authentication;
    if (!canReport(principal)) {
      res.status(403);
      return renderRefusal(language, TEXT.notReporter[language]);
    }
    const { body, problems } = reportBodyOf(values);
    const validated = await validateReportBody(body);
    for (const field of validated.problems) problems.add(field);
    if (problems.size > 0) {
      res.status(400);
      return renderForm(await this.#page(req, language, principal, values, problems));
    }
    const submissionId = single(values, 'submissionId');
    const role = REPORTING_ROLES.find((r) => principal.roles.includes(r));
    try {
      const outcome: ReportOutcome = await this.commands.execute(
        new ReportIncidentCommand(
          validated.dto,
          principal,
          actorOf(principal, role),
          new Date(),
          requestStateOf(req)?.correlationId,
          // the form's one-time id makes a double submit (or a reload of the answer) the same report
          SUBMISSION_ID.test(submissionId)
            ? { key: `form:${submissionId}`, bodySha256: bodyHashOf(body) }
            : undefined,
        ),
      );
      res.status(outcome.replayed ? 200 : 201);
      return renderReceived(language, outcome.response.caseNumber, outcome.response.caseId);
    } catch (error) {
      const field = fieldOfRefusal(error);
      if (field) {
        res.status(error instanceof ContractNotFoundError ? 404 : 400);
        return renderForm(await this.#page(req, language, principal, values, new Set([field])));
      }
      if (error instanceof IdempotencyKeyReusedError) {
        res.status(422);
        return renderForm(
          await this.#page(
            req,
            language,
            principal,
            values,
            new Set(),
            TEXT.alreadySubmitted[language],
            true,
          ),
        );
      }
      throw error;
    }
  }

  @Get('assets/form.css')
  @Public()
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  css(): string {
    return FORM_CSS;
  }

  @Get('assets/draft.js')
  @Public()
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  script(): string {
    return DRAFT_JS;
  }

  /** The chosen language: the link's `lang` (remembered in a cookie for a year), the cookie, the browser's. */
  #language(req: Request, res: Response, chosen: string | undefined): FormLanguage {
    if (isFormLanguage(chosen)) {
      const secure = this.auth.cookieSecure ? '; Secure' : '';
      res.append(
        'Set-Cookie',
        `${LANGUAGE_COOKIE}=${chosen}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`,
      );
      return chosen;
    }
    const remembered = cookieOf(req.headers.cookie, LANGUAGE_COOKIE);
    if (isFormLanguage(remembered)) return remembered;
    const accepted = req.acceptsLanguages('ja', 'en');
    return accepted === 'en' ? 'en' : 'ja';
  }

  async #page(
    req: Request,
    lang: FormLanguage,
    principal: Principal | undefined,
    values: FormValues,
    problems: Set<FormField>,
    notice?: string,
    freshSubmission = false,
  ): Promise<FormPage> {
    const cookie = cookieOf(req.headers.cookie, SESSION_COOKIE);
    const submissionId = single(values, 'submissionId');
    return {
      lang,
      values,
      problems,
      notice,
      contracts: principal ? await this.#contractsOf(principal) : [],
      csrfToken: principal && cookie ? csrfTokenFor(cookie) : undefined,
      submissionId: !freshSubmission && SUBMISSION_ID.test(submissionId) ? submissionId : randomUUID(),
    };
  }

  /** The contracts the reporter may report under, with their titles (a read of identity's contracts). */
  async #contractsOf(principal: Principal): Promise<Array<{ id: string; title: string }>> {
    if (principal.contracts === 'all' || principal.contracts.length === 0) return [];
    const rows: Array<{ id: string; title: string }> = await this.dataSource.query(
      `SELECT id, title FROM ${quoteIdentifier(this.auth.identitySchema)}.contracts
        WHERE id = ANY($1::uuid[]) ORDER BY title, id`,
      [principal.contracts],
    );
    return rows;
  }
}

const canReport = (principal: Principal) => REPORTING_ROLES.some((role) => principal.roles.includes(role));

/** The form field a refused report is about: a domain error naming a field, or an unknown contract. */
function fieldOfRefusal(error: unknown): FormField | undefined {
  if (error instanceof ContractNotFoundError || error instanceof CaseNotFoundError) return 'contractId';
  if (error instanceof DomainError && error.kind === 'validation') {
    return formFieldOf((error.details as { field?: unknown } | undefined)?.field);
  }
  return undefined;
}
