import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { DatabaseConfig, type Logger, PLATFORM_LOGGER } from '#libs/platform';
import { AccessTokenVerifier } from './access-token.js';
import { ACCESS_TOKEN_VERIFIER, AuthGuard, SESSION_VERIFIER } from './auth.guard.js';
import { AUTH_CLOCK, type Clock, systemClock } from './clock.js';
import { AuthConfig, LinkConfig } from './config.js';
import { AccessRuleCheck } from './routes.js';
import { SessionVerifier } from './session.js';
import { SignedLinks } from './signed-links.js';

export interface AuthModuleOptions {
  /** the clock token lifetimes and sessions are checked against (tests); the system clock otherwise */
  readonly clock?: Clock;
  /** also provide `SignedLinks` (needs LinkConfig loaded and `authMigrations` in the service's migrations) */
  readonly signedLinks?: boolean;
}

/** `SignedLinks` on the service's schema with LINK_SIGNING_KEY. */
const signedLinksProvider: Provider = {
  provide: SignedLinks,
  inject: [LinkConfig, DatabaseConfig],
  useFactory: (links: LinkConfig, database: DatabaseConfig) =>
    new SignedLinks({ key: links.keyBytes, schema: database.schema }),
};

/**
 * Authentication and authorisation of a service: import `AuthModule.forService()` in the service's
 * module and add `AuthConfig` to its config (`config: { …, auth: AuthConfig }`). Every route then
 * needs `@Public()`, `@Authenticated()` or `@Roles(…)`; see docs/security.md.
 */
@Global()
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory
export class AuthModule {
  static forService(options: AuthModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: AUTH_CLOCK, useValue: options.clock ?? systemClock },
      {
        provide: ACCESS_TOKEN_VERIFIER,
        inject: [AuthConfig, AUTH_CLOCK],
        useFactory: (config: AuthConfig, clock: Clock) =>
          new AccessTokenVerifier({ publicKeys: config.publicKeys, clock }),
      },
      {
        provide: SESSION_VERIFIER,
        inject: [DataSource, AuthConfig, AUTH_CLOCK, PLATFORM_LOGGER],
        useFactory: (dataSource: DataSource, config: AuthConfig, clock: Clock, logger: Logger) =>
          new SessionVerifier({
            dataSource,
            schema: config.identitySchema,
            clock,
            onTouchFailed: (error) =>
              logger.warn({ err: error }, 'could not extend a web session (UPDATE on the sessions table)'),
          }),
      },
      { provide: APP_GUARD, useClass: AuthGuard },
      AccessRuleCheck,
      ...(options.signedLinks ? [signedLinksProvider] : []),
    ];
    return {
      module: AuthModule,
      imports: [DiscoveryModule],
      providers,
      exports: [
        AUTH_CLOCK,
        ACCESS_TOKEN_VERIFIER,
        SESSION_VERIFIER,
        ...(options.signedLinks ? [SignedLinks] : []),
      ],
    };
  }
}
