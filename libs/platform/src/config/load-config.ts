import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { type EnvVarSpec, envSpecsOf, REQUIRED_MESSAGE } from './env.js';

export type Environment = Readonly<Record<string, string | undefined>>;

// biome-ignore lint/suspicious/noExplicitAny: any class with a no-argument constructor can be a config class
export type ConfigClass<T extends object = any> = new () => T;

/** The config a service needs, by name: `{ database: DatabaseConfig, kafka: KafkaConfig }`. */
export type ConfigShape = Readonly<Record<string, ConfigClass>>;

/** The validated config of a shape: `{ database: DatabaseConfig instance, kafka: … }`. */
export type LoadedConfig<S extends ConfigShape> = { readonly [K in keyof S]: InstanceType<S[K]> };

export interface LoadConfigOptions {
  /** Where to read variables from (default `process.env`). */
  env?: Environment;
  /**
   * Defaults that depend on the service rather than on the variable, e.g. `DB_SCHEMA: 'intake'`.
   * They win over the defaults declared on the config classes and lose to the environment.
   */
  defaults?: Readonly<Record<string, string>>;
}

/** One missing or malformed variable. */
export interface ConfigProblem {
  readonly variable: string;
  readonly reason: string;
}

/**
 * The configuration is unusable. The message lists every problem by variable name, one per line;
 * values of secret variables are never part of it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(ConfigError.describe(problems));
  }

  private static describe(problems: readonly ConfigProblem[]): string {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    return [
      `Invalid configuration (${count}):`,
      ...problems.map((problem) => `  ${problem.variable}: ${problem.reason}`),
    ].join('\n');
  }
}

const MAX_QUOTED_LENGTH = 60;

/** An unset variable and an empty one are the same thing: `FOO=` in a compose file means "not set". */
function readRaw(spec: EnvVarSpec, env: Environment, defaults: Readonly<Record<string, string>>) {
  const fromEnv = env[spec.name];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  return defaults[spec.name] ?? spec.default;
}

function quote(raw: string): string {
  const shown = raw.length > MAX_QUOTED_LENGTH ? `${raw.slice(0, MAX_QUOTED_LENGTH)}…` : raw;
  return JSON.stringify(shown);
}

function problemOf(error: ValidationError, spec: EnvVarSpec, raw: string | undefined): ConfigProblem {
  const reason = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  const showValue = raw !== undefined && !spec.secret && reason !== REQUIRED_MESSAGE;
  return { variable: spec.name, reason: showValue ? `${reason} (got ${quote(raw)})` : reason };
}

function loadOne<T extends object>(
  configClass: ConfigClass<T>,
  env: Environment,
  defaults: Readonly<Record<string, string>>,
): { value: T; problems: ConfigProblem[] } {
  const specs = envSpecsOf(configClass);
  const raw = new Map(specs.map((spec) => [spec.property, readRaw(spec, env, defaults)]));
  const value = plainToInstance(configClass, Object.fromEntries(raw));
  const errors = validateSync(value, { stopAtFirstError: true, forbidUnknownValues: false });
  const problems = errors.flatMap((error) => {
    const spec = specs.find((candidate) => candidate.property === error.property);
    return spec ? [problemOf(error, spec, raw.get(spec.property))] : [];
  });
  return { value: Object.freeze(value), problems };
}

/**
 * Reads, parses and validates every class of `shape` from the environment. Throws one `ConfigError`
 * naming every missing or malformed variable, so an operator fixes them all in one go.
 */
export function loadConfig<S extends ConfigShape>(
  shape: S,
  options: LoadConfigOptions = {},
): LoadedConfig<S> {
  const env = options.env ?? process.env;
  const defaults = options.defaults ?? {};
  const loaded: Record<string, object> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, configClass] of Object.entries(shape)) {
    const result = loadOne(configClass, env, defaults);
    loaded[key] = result.value;
    problems.push(...result.problems);
  }
  const unique = problems.filter(
    (problem, index) =>
      problems.findIndex(
        (other) => other.variable === problem.variable && other.reason === problem.reason,
      ) === index,
  );
  if (unique.length > 0) throw new ConfigError(unique);
  return loaded as LoadedConfig<S>;
}

/** The variables a shape reads, each once, in declaration order. */
export function describeEnvironment(shape: ConfigShape): readonly EnvVarSpec[] {
  const seen = new Map<string, EnvVarSpec>();
  for (const configClass of Object.values(shape)) {
    for (const spec of envSpecsOf(configClass)) if (!seen.has(spec.name)) seen.set(spec.name, spec);
  }
  return [...seen.values()];
}

/**
 * What a service runs with, fit for a start-up log line: every variable of the shape with its
 * effective value, secrets shown as `<set>` or `<missing>`.
 */
export function summarizeConfig(
  shape: ConfigShape,
  options: LoadConfigOptions = {},
): Record<string, string | undefined> {
  const env = options.env ?? process.env;
  const defaults = options.defaults ?? {};
  const summary: Record<string, string | undefined> = {};
  for (const spec of describeEnvironment(shape)) {
    const raw = readRaw(spec, env, defaults);
    summary[spec.name] = spec.secret ? (raw === undefined ? '<missing>' : '<set>') : raw;
  }
  return summary;
}
