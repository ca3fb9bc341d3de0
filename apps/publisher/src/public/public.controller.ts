import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '#libs/auth';
import { NotFoundError } from '#libs/event-store';
import { STATEMENT_CSS } from './public-pages.js';
import { PublicStatements, type Rendered } from './public-statements.js';

const SLUG = /^[a-z0-9-]{1,80}$/;

const languageOf = (lang: unknown) => (lang === 'en' ? 'en' : 'ja');

/** Sends cached bytes with their own ETag (Express then neither re-encodes nor re-hashes the body; 304 when fresh). */
function send(res: Response, type: string, maxAgeSeconds: number, rendered: Rendered): void {
  res
    .type(type)
    .set('Cache-Control', `public, max-age=${maxAgeSeconds}`)
    .set('ETag', rendered.etag)
    .send(rendered.body);
}

/**
 * The public pages (deliberately `@Public`: anyone may read a published statement, no login): the index,
 * the Atom feed, one statement by slug (Japanese, or English with `?lang=en`) and the stylesheet.
 */
@ApiExcludeController()
@Controller('statements')
export class PublicStatementsController {
  constructor(private readonly statements: PublicStatements) {}

  @Get()
  @Public()
  async index(@Query('lang') lang: unknown, @Res() res: Response): Promise<void> {
    send(res, 'text/html; charset=utf-8', 60, await this.statements.index(languageOf(lang)));
  }

  @Get('feed.atom')
  @Public()
  async feed(@Res() res: Response): Promise<void> {
    send(res, 'application/atom+xml; charset=utf-8', 60, await this.statements.feed());
  }

  @Get('assets/statement.css')
  @Public()
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  css(): string {
    return STATEMENT_CSS;
  }

  @Get(':slug')
  @Public()
  async statement(
    @Param('slug') slug: string,
    @Query('lang') lang: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const html = SLUG.test(slug) ? await this.statements.page(slug, languageOf(lang)) : undefined;
    if (html === undefined)
      throw new NotFoundError('No published statement has this address.', { code: 'statement_not_found' });
    send(res, 'text/html; charset=utf-8', 3600, html);
  }
}
