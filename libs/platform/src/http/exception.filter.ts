import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import { throwError } from 'rxjs';
import { currentContext } from '../logging/context.js';
import type { Logger } from '../logging/logger.js';
import { PLATFORM_LOGGER } from '../tokens.js';
import { mapErrorToHttp } from './error-mapping.js';
import { ERROR_CODE_LOCAL, requestStateOf, type TrackedResponse } from './request-tracking.js';

/**
 * The one place where errors become HTTP responses (see `mapErrorToHttp` for the table). Expected
 * failures are answered and left to the request log line; unexpected ones are logged with their stack
 * (personal data redacted) and answered with a generic 500 that carries only the request id.
 */
@Catch()
export class PlatformExceptionFilter implements ExceptionFilter {
  constructor(@Inject(PLATFORM_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') {
      // Not an HTTP request (a microservice handler): leave it to that transport's own handling.
      return throwError(() => exception);
    }
    const http = host.switchToHttp();
    const request = http.getRequest<object>();
    const response = http.getResponse<TrackedResponse>();
    const requestId = requestStateOf(request)?.requestId ?? currentContext()?.requestId;
    const mapped = mapErrorToHttp(exception, requestId);

    if (mapped.unexpected) {
      this.logger.error(
        { err: exception instanceof Error ? exception : { message: String(exception) }, requestId },
        'unexpected error while serving a request',
      );
    }
    if (response.headersSent) {
      // Part of the answer is already on the wire; all we can do is end it.
      response.end();
      return undefined;
    }
    if (response.locals) response.locals[ERROR_CODE_LOCAL] = mapped.body.error.code;
    response.statusCode = mapped.status;
    for (const [name, value] of Object.entries(mapped.headers)) response.setHeader(name, value);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.end(JSON.stringify(mapped.body));
    return undefined;
  }
}
