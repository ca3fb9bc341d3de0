import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';

/** An Express-style middleware that watches a request to the end (it must call `next`). */
export type RequestRecorder = (
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Where a module registers a middleware that must see **every** request: mounted by
 * `configureHttpPipeline` before anything else (request ids, the drain refusal, rate limits, body
 * limits), so even requests refused before routing reach it. libs/audit's access log registers here
 * when a service imports `AccessLogModule`; register from a provider factory or constructor (providers
 * are built before the pipeline is configured).
 */
@Injectable()
export class HttpRequestRecorders {
  private readonly recorders: RequestRecorder[] = [];

  register(recorder: RequestRecorder): void {
    this.recorders.push(recorder);
  }

  get all(): readonly RequestRecorder[] {
    return this.recorders;
  }
}
