import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Language } from '../statements/sections.js';
import type { PublishedStatement } from '../statements/statements.js';
import {
  type ListedStatement,
  renderAtomFeed,
  renderIndexPage,
  renderStatementPage,
} from './public-pages.js';

/** A rendered response: the bytes and their strong ETag, computed once per rendering. */
export interface Rendered {
  readonly body: Buffer;
  readonly etag: string;
}

function rendered(text: string): Rendered {
  const body = Buffer.from(text, 'utf8');
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Most published pages kept rendered in memory (each a few kB). */
const MAX_CACHED_PAGES = 5_000;

/**
 * The public side: published statements only (a draft or an unapproved revision is not in
 * `published_statements`, so it cannot be reached here). A published statement never changes, so its
 * rendered page is cached for good; the index and the feed are cached for `listingCacheMs` and dropped
 * when this instance publishes.
 */
export class PublicStatements {
  private readonly pages = new Map<string, Rendered>();
  private listing: { at: number; stamp: string; statements: ListedStatement[] } | undefined;
  private readonly rendered = new Map<string, Rendered>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly baseUrl: string,
    private readonly listingCacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  invalidate(): void {
    this.listing = undefined;
    this.rendered.clear();
  }

  async page(slug: string, language: Language): Promise<Rendered | undefined> {
    const key = `${language}:${slug}`;
    const cached = this.pages.get(key);
    if (cached !== undefined) return cached;
    const rows: Array<{
      slug: string;
      statement_id: string;
      case_id: string;
      kind: 'statement';
      number: number;
      revision: number;
      content_hash: string;
      content: PublishedStatement['content'];
      published_at: Date;
    }> = await this.dataSource.query(
      `SELECT slug, statement_id, case_id, kind, number, revision, content_hash, content, published_at
         FROM "${this.schema}".published_statements WHERE slug = $1`,
      [slug],
    );
    const row = rows[0];
    if (!row) return undefined;
    const html = rendered(
      renderStatementPage(
        {
          slug: row.slug,
          statementId: row.statement_id,
          caseId: row.case_id,
          kind: row.kind,
          number: row.number,
          revision: row.revision,
          contentHash: row.content_hash,
          content: row.content,
          publishedAt: new Date(row.published_at).toISOString(),
        },
        language,
      ),
    );
    if (this.pages.size >= MAX_CACHED_PAGES) this.pages.delete(this.pages.keys().next().value as string);
    this.pages.set(key, html);
    return html;
  }

  /**
   * The published statements, newest first. After `listingCacheMs` a cheap stamp (count and latest
   * publication: published rows are never changed or deleted) tells whether anything was published since;
   * only then are the rows read and the index and feed rendered again.
   */
  private async statements(): Promise<ListedStatement[]> {
    if (this.listing && this.now() - this.listing.at < this.listingCacheMs) return this.listing.statements;
    const [{ stamp }]: Array<{ stamp: string }> = await this.dataSource.query(
      `SELECT count(*) || '/' || coalesce(max(published_at)::text, '') AS stamp FROM "${this.schema}".published_statements`,
    );
    if (this.listing && this.listing.stamp === stamp) {
      this.listing = { ...this.listing, at: this.now() };
      return this.listing.statements;
    }
    const rows: Array<{
      slug: string;
      number: number;
      title_ja: string;
      title_en: string;
      published_at: Date;
    }> = await this.dataSource.query(
      `SELECT slug, number, content->'ja'->>'title' AS title_ja, content->'en'->>'title' AS title_en, published_at
           FROM "${this.schema}".published_statements ORDER BY published_at DESC, slug DESC`,
    );
    const statements = rows.map((row) => ({
      slug: row.slug,
      number: row.number,
      titleJa: row.title_ja ?? '',
      titleEn: row.title_en ?? '',
      publishedAt: new Date(row.published_at).toISOString(),
    }));
    this.listing = { at: this.now(), stamp, statements };
    this.rendered.clear();
    return statements;
  }

  private async cachedRender(
    key: string,
    render: (statements: ListedStatement[]) => string,
  ): Promise<Rendered> {
    const statements = await this.statements();
    const cached = this.rendered.get(key);
    if (cached !== undefined) return cached;
    const text = rendered(render(statements));
    this.rendered.set(key, text);
    return text;
  }

  index(language: Language): Promise<Rendered> {
    return this.cachedRender(`index:${language}`, (s) => renderIndexPage(s, language));
  }

  feed(): Promise<Rendered> {
    return this.cachedRender('feed', (s) => renderAtomFeed(s, this.baseUrl));
  }
}
