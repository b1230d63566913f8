import type { Format } from '../../../protocol/event.js';
import { parseApache } from './apache-parser.js';
import { detectFormat } from './detect-format.js';
import { parseJson, parseJsonObject } from './json-parser.js';
import { parseMysql } from './mysql-parser.js';
import { parseNginx } from './nginx-parser.js';
import type { LineParser, ParseContext, ParsedLine } from './parsed-line.js';
import { parsePlain } from './plain-parser.js';
import { parsePostgres } from './postgres-parser.js';
import { parseSyslog } from './syslog-parser.js';

const PARSERS: Record<Exclude<Format, 'auto' | 'plain'>, LineParser> = {
  json: parseJson,
  syslog: parseSyslog,
  nginx: parseNginx,
  apache: parseApache,
  postgres: parsePostgres,
  mysql: parseMysql,
};

/**
 * Parses a message in its declared format (`auto` detects). A line its parser cannot handle is stored as plain
 * text under the declared dataset, never refused: a log that changed shape must not lose events.
 */
export function parseLine(
  message: string,
  format: Format,
  ctx: ParseContext,
  /** The message already decoded as a JSON object (the `_bulk` door has it), to spare a second JSON.parse. */
  decoded?: Record<string, unknown>,
): ParsedLine {
  if (decoded && format === 'json') return parseJsonObject(decoded, message, ctx);
  const chosen = format === 'auto' ? detectFormat(message) : format;
  if (chosen !== 'plain') {
    const parsed = PARSERS[chosen](message, ctx);
    if (parsed) return parsed;
  }
  const plain = parsePlain(message, ctx);
  if (format !== 'auto' && format !== 'plain') {
    plain.dataset = format;
    plain.failed = true;
  }
  return plain;
}
