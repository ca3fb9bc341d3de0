import { Inject, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { AccessLogModule } from '#libs/audit';
import { AuthConfig, AuthModule } from '#libs/auth';
import { ServiceDatabaseModule } from '#libs/platform';
import { AdminController } from './admin/admin.controller.js';
import { AdminService } from './admin/admin.service.js';
import { AuditAnalysisModule } from './audit/audit-analysis.module.js';
import { AuthController } from './auth/auth.controller.js';
import { JwksController } from './auth/jwks.controller.js';
import { LoginService } from './auth/login.service.js';
import { loginLimiterPerAccount } from './auth/login-rate-limit.js';
import { IdentityConfig } from './identity.config.js';
import { identityMigrations } from './identity.migrations.js';
import { SessionStore } from './sessions/session-store.js';
import { AccessTokenSigner } from './tokens/access-token-signer.js';
import { AdminApiTokensController, ApiTokensController } from './tokens/api-tokens.controller.js';
import { ApiTokenService } from './tokens/api-tokens.service.js';

/**
 * The identity service: organisations, users, contracts, sign-in, web sessions, API tokens, and
 * the only signer of access tokens. Plain tables (no event store); administrative changes are kept
 * in `admin_changes`. The access analysis (`./audit/`) has its own event store and outbox relay for
 * `AccessAnomalyDetected`, and mails the responsible persons.
 */
@Module({
  imports: [
    ServiceDatabaseModule.forRoot({ migrations: identityMigrations }),
    AuthModule.forService(),
    AccessLogModule.forService(),
    AuditAnalysisModule.forRoot(),
  ],
  controllers: [
    AuthController,
    JwksController,
    AdminController,
    ApiTokensController,
    AdminApiTokensController,
  ],
  providers: [
    SessionStore,
    LoginService,
    ApiTokenService,
    AdminService,
    {
      provide: AccessTokenSigner,
      inject: [IdentityConfig, AuthConfig],
      useFactory: (identity: IdentityConfig, auth: AuthConfig) =>
        AccessTokenSigner.create(
          { privateJwk: identity.signingKey, publicJwks: JSON.stringify(auth.publicKeys) },
          auth.accessTokenTtlSeconds,
        ),
    },
  ],
  exports: [SessionStore, ApiTokenService, AdminService, AccessTokenSigner],
})
export class IdentityModule implements NestModule {
  constructor(@Inject(IdentityConfig) private readonly config: IdentityConfig) {}

  /** The per-account sign-in limit needs the parsed body, so it runs as route middleware. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(loginLimiterPerAccount(this.config))
      .forRoutes({ path: 'auth/login', method: RequestMethod.POST });
  }
}
