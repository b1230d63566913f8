import type { Format } from '../../../protocol/event.js';

// One cheap anchored test per family, tried by the first character, so `auto` costs little more than a known format.
const ACCESS = /^(?:[^\s:]+:\d+ )?\S+ \S+ \S+ \[\d{2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}/;
const NGINX_ERROR = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[[a-z]+\] \d+#\d+: /;
const APACHE_ERROR = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}\] \[/;
const POSTGRES =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?: (?:[A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?))?(?: \[\d+\]|,(?:"[^"]*"|[^,]*),(?:"[^"]*"|[^,]*),\d+,)/;
// MariaDB pads the hour with a space before 10:00: `2026-12-05  7:06:06 0 [Note] …` (as mysql-parser.ts reads it).
const MYSQL =
  /^(?:\d{4}-\d{2}-\d{2}(?:T| {1,2})|\d{6} {1,2})\d{1,2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?(?: \d+)? \[(?:System|Warning|Note|ERROR|Error|Info)\] /;
const MYSQL_SLOW = /^# (?:Time: |User@Host: |Query_time: |Thread_id: )/;
const SYSLOG_FILE = /^[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2} \S+ \S/;
const SYSLOG_RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}) \S+ [^\s:[\]]+(?:\[[^\]]+\])?: /;

/** The format of a line for `format: auto`; `plain` when no parser recognises it. */
export function detectFormat(line: string): Exclude<Format, 'auto'> {
  const c = line.charCodeAt(0);
  if (c === 0x7b /* { */) return 'json';
  if (c === 0x3c /* < */) return 'syslog';
  if (c === 0x5b /* [ */) return APACHE_ERROR.test(line) ? 'apache' : 'plain';
  if (c === 0x23 /* # */) return MYSQL_SLOW.test(line) ? 'mysql' : 'plain';
  if (c >= 0x30 && c <= 0x39) {
    if (line.charCodeAt(4) === 0x2f /* / */) return NGINX_ERROR.test(line) ? 'nginx' : 'plain';
    if (POSTGRES.test(line)) return 'postgres';
    if (MYSQL.test(line)) return 'mysql';
    if (SYSLOG_RFC3339.test(line)) return 'syslog';
  }
  if (c >= 0x41 && c <= 0x5a && SYSLOG_FILE.test(line)) return 'syslog';
  // Access logs start with an address (IPv4, IPv6, a hostname, or apache's vhost:port).
  if (ACCESS.test(line)) return 'apache';
  return 'plain';
}
