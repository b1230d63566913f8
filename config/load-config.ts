import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) in every string with the environment's values; each variable that is
 * not set is reported with the key it appears under (`inputs.0.paths.1: …`), as the schema reports its problems.
 */
function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, name: string, fallback?: string) => {
      const v = env[name] ?? fallback;
      if (v !== undefined) return v;
      problems.push(`${path || '(root)'}: environment variable ${name} is not set`);
      return whole;
    });
  }
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, at(i), problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, at(k), problems)]));
  }
  return value;
}

/**
 * Reads a config file (collector.yml, shipper.yml) with every `${VAR}` in its strings taken from `env`, so both
 * files keep secrets and per-host values out of the file the same way.
 */
export function readConfigFile(path: string | undefined, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const problems: string[] = [];
  const expanded = expandEnv(readYamlFile(path), env, '', problems) as Record<string, unknown>;
  if (problems.length) throw new ConfigError(`Config from ${path} is invalid.`, problems);
  return expanded;
}

/** Reads a YAML file into a plain object (an absent path gives `{}`). */
function readYamlFile(path: string | undefined): Record<string, unknown> {
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
