import { IsDefined, ValidateIf } from 'class-validator';

/** How one environment variable feeds one property of a config class. */
export interface EnvOptions {
  /** What the variable means, for the configuration reference and start-up summaries. */
  description: string;
  /**
   * Value used when the variable is unset or empty, written as it would be in the environment
   * (so it goes through the same parsing and validation). Only for values that are safe everywhere.
   */
  default?: string;
  /** The variable may stay unset; the property is then `undefined`. */
  optional?: boolean;
  /**
   * An optional variable that becomes required when another setting asks for it, e.g. a SASL password
   * once a SASL mechanism is configured. `reason` is the message reported when it is missing.
   */
  requiredWhen?: { test: (config: object) => boolean; reason: string };
  /** Never print the value: start-up summaries show `<set>` or `<missing>`, errors never quote it. */
  secret?: boolean;
}

/** An environment variable as declared on a config class. */
export interface EnvVarSpec extends EnvOptions {
  /** the variable, e.g. `DATABASE_URL` */
  readonly name: string;
  /** the property of the config class it sets */
  readonly property: string;
}

export const REQUIRED_MESSAGE = 'is required but not set';

const specsByClass = new WeakMap<object, EnvVarSpec[]>();

/**
 * Binds a property of a config class to an environment variable. Put the parsing (`@AsInteger()`, …)
 * and one `@Check(…)` rule next to it; `loadConfig` reads, parses and validates every variable and
 * reports all problems at once.
 */
export function Env(name: string, options: EnvOptions): PropertyDecorator {
  return (target, propertyKey) => {
    const property = String(propertyKey);
    const specs = specsByClass.get(target.constructor) ?? [];
    specs.push({ ...options, name, property });
    specsByClass.set(target.constructor, specs);

    if (options.requiredWhen) {
      const { test, reason } = options.requiredWhen;
      ValidateIf((config: Record<string, unknown>) => config[property] !== undefined || test(config))(
        target,
        propertyKey,
      );
      IsDefined({ message: reason })(target, propertyKey);
    } else if (options.optional || options.default !== undefined) {
      // A default is applied before validation, so the value is only missing when the default is
      // missing too; the condition keeps optional variables from being checked when absent.
      ValidateIf((config: Record<string, unknown>) => config[property] !== undefined)(target, propertyKey);
    } else {
      IsDefined({ message: REQUIRED_MESSAGE })(target, propertyKey);
    }
  };
}

/** The environment variables a config class reads, in declaration order. */
export function envSpecsOf(configClass: abstract new () => object): readonly EnvVarSpec[] {
  const own = specsByClass.get(configClass) ?? [];
  const parent = Object.getPrototypeOf(configClass) as (abstract new () => object) | null;
  const inherited = parent && parent !== Function.prototype ? envSpecsOf(parent) : [];
  return [...inherited, ...own];
}
