import { z } from 'zod';

/**
 * The one way settings are read from the environment: one rule per kind of value, one way to report a
 * bad one. The node's own variables (src/config.ts) and every adapter's (declared beside the adapter)
 * go through it.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

/** Bad settings, each named with what was expected; the node does not start. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Environment values are strings; Number() and z.coerce would also take " ", "0x1F", "1e3" and "5.0",
// which nobody means: decimal digits only.
export const whole = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A duration in milliseconds: a whole number, at most ten minutes unless told. */
export const ms = (min: number, max = 600_000) => whole(min, max);

/** Comma-separated values, trimmed, empty ones dropped. */
export const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** One line per problem: the variable, the rule, and what was given unless the value is a secret. */
export const describeIssues = (issues: readonly z.core.$ZodIssue[], values: Environment, secret = false): string[] =>
  issues.map((issue) => {
    const key = issue.path.join('.') || '(environment)';
    const value = typeof issue.path[0] === 'string' ? values[issue.path[0]] : undefined;
    return `${key}: ${issue.message}${!secret && value !== undefined ? ` (got ${JSON.stringify(value)})` : ''}`;
  });

export interface ReadOptions {
  /** The values are secrets: name the variable and the rule, never echo what was given. */
  readonly secret?: boolean;
}

/** Reads the variables `schema` names; every bad one is reported at once, as a ConfigError. */
export const readEnv = <T extends z.ZodObject>(schema: T, env: Environment, options: ReadOptions = {}): z.output<T> => {
  const values = Object.fromEntries(Object.entries(env).filter(([name, value]) => value !== undefined && name in schema.shape));
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error.issues, values, options.secret));
  return parsed.data;
};
