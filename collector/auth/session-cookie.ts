import { parse as parseCookies } from 'cookie';

export const SESSION_COOKIE = 'logship_session';

/**
 * The session cookie's value from a `Cookie` header, or undefined. Malformed percent-escapes (`%E0%A4%A`) are
 * left as they are instead of throwing: a garbled cookie is no session, never a 500.
 */
export function sessionCookieValue(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = parseCookies(header, { decode: safeDecode })[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
