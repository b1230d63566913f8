import { fieldFacts, LABELS_PREFIX } from '../store/field-catalogue.js';

/** Short names users type, mapped to stored ECS fields (docs/api.md). A Map: `constructor` is no alias. */
const ALIASES = new Map<string, string>([
  ['host', 'host.name'],
  ['service', 'service.name'],
  ['level', 'log.level'],
  ['source', 'log.file.path'],
  ['offset', 'log.offset'],
  ['id', 'event.id'],
  ['dataset', 'event.dataset'],
  ['timestamp', '@timestamp'],
]);

/** What a field name in a query may look like; the same rule holds for `/fields/{name}/top`. */
const FIELD_NAME = /^[A-Za-z_@][\w.@-]*$/;

/** Whether `name` can name a field (letters, digits, `_`, `.`, `@`, `-`; no spaces or control characters). */
export function isFieldName(name: string): boolean {
  return FIELD_NAME.test(name);
}

/**
 * Resolves a field name from a query to its stored name: an alias, a stored name without dots (`message`), a name
 * with a dot as it is; any other bare name is a label (`env` → `labels.env`).
 */
export function resolveField(name: string): string {
  const alias = ALIASES.get(name);
  if (alias) return alias;
  if (name.includes('.') || fieldFacts(name).known) return name;
  return `${LABELS_PREFIX}${name}`;
}
