import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { AccessKind as Kind } from './access-record.js';
import { markAccessKind } from './request-marks.js';

class AccessKindInterceptor implements NestInterceptor {
  constructor(private readonly kind: Kind) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    markAccessKind(context.switchToHttp().getRequest(), this.kind);
    return next.handle();
  }
}

/**
 * Records the route's requests with this kind instead of the default one, e.g. `@AccessKind('export')`
 * on a download: exports are durable and count towards the bulk-read analysis. It takes effect once
 * the guards let the request through; a denied request keeps the default kind (and is durable anyway).
 */
export function AccessKind(kind: Kind): MethodDecorator & ClassDecorator {
  return applyDecorators(UseInterceptors(new AccessKindInterceptor(kind)));
}
