import { SetMetadata } from '@nestjs/common';

/**
 * Metadata key of a route's access rule. libs/auth owns the rules (`@Public`, `@Authenticated`,
 * `@Roles`) and its guard reads this key; the platform only needs to mark its own operational
 * routes public without depending on libs/auth.
 */
export const ACCESS_RULE_METADATA = 'leak-response:access-rule';

/** Marks the platform's operational routes (`/health/*`, `/metrics`) as open to anyone. */
export const PublicRoute = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_RULE_METADATA, { kind: 'public' });
