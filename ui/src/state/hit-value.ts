import { resolveField } from '../../../collector/query/field-names.js';
import type { Hit } from '../api/types';

/** The value of a field (as queries name it) in a hit: the main fields have their own keys, labels lose `labels.`. */
export function hitValue(hit: Hit, field: string): unknown {
  const name = resolveField(field);
  switch (name) {
    case 'host.name':
      return hit.host;
    case 'service.name':
      return hit.service;
    case 'log.level':
      return hit.level;
    case 'log.file.path':
      return hit.source;
    case 'log.offset':
      return hit.offset;
    case 'event.id':
      return hit.id;
    default:
      return hit.fields[name.startsWith('labels.') ? name.slice('labels.'.length) : name];
  }
}
