import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/configuration.md is the reference operators, docker-compose.yml and README.md follow. Each
 * lib that declares config classes has a unit test comparing its variables with the rows of its own
 * sections of that document; these helpers read the document and compare.
 */

/** One row of a variable table: `| `NAME` | required | default | secret | meaning |`. */
export interface DocumentedVariable {
  /** the `### ` heading the row is under */
  readonly section: string;
  readonly required: string;
  readonly default: string;
  readonly secret: string;
}

export function readConfigurationDoc(
  path = join(process.cwd(), 'docs', 'configuration.md'),
): Map<string, DocumentedVariable> {
  const rows = new Map<string, DocumentedVariable>();
  let section = '';
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const heading = /^###\s+(.+?)\s*$/.exec(line)?.[1];
    if (heading) section = heading;
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? '')?.[1];
    if (name && cells.length >= 7) {
      rows.set(name, { section, required: cells[2], default: cells[3], secret: cells[4] });
    }
  }
  return rows;
}

/** What a config class declares about a variable (the platform's `EnvVarSpec`). */
export interface DeclaredVariable {
  readonly name: string;
  readonly default?: string;
  readonly optional?: boolean;
  readonly secret?: boolean;
  readonly requiredWhen?: unknown;
}

/**
 * How the document disagrees with the declarations: a missing row, another required/default/secret
 * cell. `serviceDependent` variables have a default that depends on the service (any text).
 */
export function documentationProblems(
  declared: readonly DeclaredVariable[],
  documented: ReadonlyMap<string, DocumentedVariable>,
  serviceDependent: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  for (const spec of declared) {
    const row = documented.get(spec.name);
    if (!row) {
      problems.push(`${spec.name} is missing from docs/configuration.md`);
      continue;
    }
    const dependent = serviceDependent.has(spec.name);
    const required = spec.default === undefined && !spec.optional && !dependent;
    const requiredCell = row.required.replaceAll('*', '');
    if (spec.requiredWhen ? !/^with /.test(requiredCell) : requiredCell !== (required ? 'yes' : 'no')) {
      problems.push(`${spec.name}: required is documented as "${row.required}"`);
    }
    if (row.secret.replaceAll('*', '') !== (spec.secret ? 'yes' : 'no')) {
      problems.push(`${spec.name}: secret is documented as "${row.secret}"`);
    }
    const expectedDefault = spec.default !== undefined ? `\`${spec.default}\`` : dependent ? undefined : '—';
    if (expectedDefault !== undefined && row.default !== expectedDefault) {
      problems.push(`${spec.name}: default is documented as ${row.default}, declared ${expectedDefault}`);
    }
  }
  return problems;
}
