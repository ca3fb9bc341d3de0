import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ApiConsumes } from '@nestjs/swagger';
import { ApiError } from './api-error.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** `application/json`, or a JSON-based type such as `application/merge-patch+json`; any charset. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const mediaType = header.split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/**
 * Refuses a POST, PUT or PATCH whose body is not declared as JSON with 415 `unsupported_media_type`.
 * Without it, Express leaves a form-encoded or text body unparsed and the client gets a confusing
 * validation error instead.
 */
@Injectable()
export class JsonContentTypeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ method: string; headers: Record<string, string> }>();
    if (!METHODS_WITH_BODY.has(request.method)) return true;
    if (isJsonContentType(request.headers['content-type'])) return true;
    throw new ApiError('unsupported_media_type');
  }
}

/** On a controller or a route: JSON bodies only (415 otherwise), and says so in the OpenAPI document. */
export function RequireJson(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(JsonContentTypeGuard), ApiConsumes('application/json'));
}
