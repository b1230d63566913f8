import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * A webhook URL as it may be shown or logged: scheme, host and port only. Slack's incoming-webhook URLs carry
 * their secret in the path, others in the query or the user info, so none of those ever leaves the collector.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(not a URL)';
  }
}

/**
 * Whether `url` may receive notifications under `alerts.delivery.allowed_urls` (prefixes; empty allows any
 * http(s) URL). Both are compared in their normalised form, so `HTTPS://Hooks.slack.com:443/x` matches the prefix
 * `https://hooks.slack.com/`, and a prefix ends at a boundary: `https://hooks.slack.com` never admits
 * `https://hooks.slack.com.example`, nor `https://a.example/hooks` the path `/hooks-other`.
 */
export function isAllowedUrl(url: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  let normal: string;
  try {
    normal = new URL(url).href;
  } catch {
    return false;
  }
  return allowed.some((prefix) => {
    const p = new URL(prefix).href;
    if (!normal.startsWith(p)) return false;
    if (p.endsWith('/')) return true;
    const next = normal.charAt(p.length);
    return next === '' || next === '/' || next === '?' || next === '#';
  });
}

/** The host of a URL when it is a link-local IP literal (no DNS lookup happens for those). */
export function linkLocalLiteral(url: string): boolean {
  return isLinkLocal(new URL(url).hostname.replace(/^\[|\]$/g, ''));
}

/**
 * Link-local addresses (169.254.0.0/16, fe80::/10) hold cloud metadata services, whose credentials an admin
 * token must not be able to reach through a webhook. Checked on the resolved address of every connection, so a
 * name that resolves there (or is re-pointed there later) is refused too.
 */
const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');

export function isLinkLocal(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // BlockList matches an IPv4-mapped IPv6 address against the IPv4 ranges in every spelling: the URL parser turns
  // [::ffff:169.254.169.254] into [::ffff:a9fe:a9fe], which a socket still connects to 169.254.169.254 through.
  return LINK_LOCAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The code a refused address fails the connection with; the sender drops the notification as `not_allowed`. */
export const LINK_LOCAL_REFUSED = 'LOGSHIP_LINK_LOCAL_REFUSED';

/** A DNS lookup for the notifier's connections that refuses link-local answers. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) {
      callback(err, '', 0);
      return;
    }
    if (addresses.some((a) => isLinkLocal(a.address))) {
      const refused = Object.assign(new Error(`${hostname} resolves to a link-local address.`), {
        code: LINK_LOCAL_REFUSED,
      });
      callback(refused, '', 0);
      return;
    }
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
