import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';

/** Replaces `${VAR}` (and `${VAR:-default}`) in strings with the environment's values; a missing variable is an error. */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const v = env[name] ?? fallback;
      if (v === undefined)
        throw new ConfigError(`Config is invalid.`, [`${path || '(root)'}: environment variable ${name} is not set`]);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}

/** Reads a YAML file into a plain object (an absent path gives `{}`). */
export function readYamlFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`Config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`Config file ${path} must hold a mapping.`);
  return doc as Record<string, unknown>;
}

/** Freezes an object graph so a validated config cannot drift after start-up. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Validates raw config once against its schema: unknown keys rejected, defaults applied, every problem reported
 * with its key. The result is typed and frozen.
 */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, source: string): Readonly<z.output<S>> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.flatMap((i) => {
      const at = i.path.join('.');
      // zod reports unknown keys at their parent; name each key itself, as the operator typed it.
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${at ? `${at}.` : ''}${k}: unknown key`);
      return [`${at || '(root)'}: ${i.message}`];
    });
    throw new ConfigError(`Config from ${source} is invalid.`, problems);
  }
  return deepFreeze(result.data);
}
