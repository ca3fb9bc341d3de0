/**
 * Injection tokens of the platform. Interfaces cannot be tokens, so the framework-free types
 * (`Logger`, `Metrics`, `BrokerHealthIndicatorSource`) are provided under these.
 */

/** The service's `Logger` (pino): `@Inject(PLATFORM_LOGGER) logger: Logger`. */
export const PLATFORM_LOGGER = Symbol('platform.logger');

/** The service's `Metrics`: `@Inject(METRICS) metrics: Metrics`. */
export const METRICS = Symbol('platform.metrics');

/**
 * Where readiness finds the broker check by default: the messaging module (or the service) provides a
 * `BrokerHealthIndicatorSource` under this token.
 */
export const BROKER_HEALTH = Symbol('platform.broker-health');

/** @internal the options `PlatformModule.forRoot` was given */
export const PLATFORM_OPTIONS = Symbol('platform.options');
