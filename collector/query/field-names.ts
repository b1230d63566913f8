/** Short names users type, mapped to stored ECS fields (see docs/query-language.md). */
const ALIASES: Record<string, string> = {
  host: 'host.name',
  service: 'service.name',
  level: 'log.level',
  source: 'log.file.path',
  offset: 'log.offset',
  message: 'message',
  id: 'event.id',
  dataset: 'event.dataset',
  timestamp: '@timestamp',
};

/** Fields that keep their name; a bare name outside these is a label (`env` → `labels.env`). */
const TOP_LEVEL = new Set(['@timestamp', 'message']);

/** Resolves a field name from a query to its stored name. */
export function resolveField(name: string): string {
  const alias = ALIASES[name];
  if (alias) return alias;
  if (TOP_LEVEL.has(name) || name.includes('.')) return name;
  return `labels.${name}`;
}
