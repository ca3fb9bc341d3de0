import { Inject, Injectable, type OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { type Logger, PLATFORM_LOGGER } from '#libs/platform';
import { type AccessRule, accessRuleOf } from './access-rules.js';

/** One HTTP route declared by a Nest controller, with its access rule. */
export interface DeclaredRoute {
  /** `GET`, `POST`, … (`ALL` for @All) */
  readonly method: string;
  /** the Express path template, e.g. `/cases/:caseId` */
  readonly path: string;
  readonly controller: string;
  readonly handler: string;
  readonly rule?: AccessRule;
}

const joinPath = (...parts: string[]) =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0)
    .join('/')}`;

const asList = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value ?? '/']).map((item) => String(item));

/**
 * Every route of every controller of the application (from the controllers' route metadata), with
 * the access rule the guard will apply. No global prefix or versioning is used by the services.
 */
export function declaredRoutes(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector) {
  const routes: DeclaredRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const prototype = Object.getPrototypeOf(instance);
    const prefixes = asList(Reflect.getMetadata(PATH_METADATA, metatype));
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const paths = Reflect.getMetadata(PATH_METADATA, handler);
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod] ?? 'GET';
      const rule = accessRuleOf(reflector, [handler, metatype]);
      for (const prefix of prefixes) {
        for (const path of asList(paths)) {
          routes.push({
            method,
            path: joinPath(prefix, path),
            controller: metatype.name,
            handler: name,
            ...(rule ? { rule } : {}),
          });
        }
      }
    }
  }
  return routes;
}

/**
 * The start-up check: logs (error level) every route that has no access rule. The guard refuses
 * such a route to everyone, and the authorisation-matrix test fails on it.
 */
@Injectable()
export class AccessRuleCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const missing = declaredRoutes(this.discovery, this.scanner, this.reflector).filter(
      (route) => !route.rule,
    );
    if (missing.length > 0) {
      this.logger.error(
        {
          routes: missing.map(
            (route) => `${route.method} ${route.path} (${route.controller}.${route.handler})`,
          ),
        },
        'routes without an access rule (@Public, @Authenticated or @Roles): they are refused to everyone',
      );
    }
  }
}
