import { Transform } from 'class-transformer';
import { IsUrl, Matches } from 'class-validator';
import { AsInteger, Env, IsIntegerInRange, IsSqlIdentifier } from '#libs/platform';

/** Settings of the publisher service (docs/publisher.md, docs/configuration.md). */
export class PublisherConfig {
  @Env('PUBLISHER_PUBLIC_BASE_URL', {
    default: 'http://localhost:3004',
    description:
      'Base URL under which the public reaches the statements: the Atom feed links <PUBLISHER_PUBLIC_BASE_URL>/statements/<slug>',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_protocol: true,
      require_tld: false,
      allow_query_components: false,
      allow_fragments: false,
    },
    { message: 'must be an http(s) URL without a query or fragment' },
  )
  @Matches(/[^/]$/, { message: 'must not end with a slash' })
  readonly publicBaseUrl!: string;

  @Env('INTAKE_SCHEMA', {
    default: 'intake',
    description:
      "Schema of intake's case keys (case_keys): the case texts are unsealed with them (SELECT only, never a new key)",
  })
  @IsSqlIdentifier()
  readonly intakeSchema!: string;

  @Env('SUBJECT_NOTIFIER_SCHEMA', {
    default: 'subject_notifier',
    description:
      "Schema of subject-notifier's persons and case keys: the affected persons' names are opened for the safety check before publishing (SELECT only)",
  })
  @IsSqlIdentifier()
  readonly subjectNotifierSchema!: string;

  @Env('PUBLISHER_LISTING_CACHE_MS', {
    default: '2000',
    description:
      'How long the public index and the Atom feed are served from memory before they are read again (published pages are cached for good: they never change)',
  })
  @AsInteger()
  @IsIntegerInRange(0, 600_000)
  readonly listingCacheMs!: number;
}
