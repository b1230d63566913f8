import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** 127.0.0.0/8 and ::1 (also written in full or IPv4-mapped): traffic that never leaves the machine. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether `host` (a name or an address, IPv6 with or without brackets) is loopback. Only `localhost` counts among
 * names: another name is not resolved, since what it resolves to can change after the check.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a plain `http://` URL may not carry a token, or undefined when it may (https, or loopback). */
export function plainHttpProblem(url: string): string | undefined {
  const u = new URL(url);
  if (u.protocol !== 'http:' || isLoopbackHost(u.hostname)) return undefined;
  return `${url} is plain HTTP to another machine: the token and the logs would cross the network in clear text`;
}

/** An address or CIDR block (`10.0.0.0/8`, `192.0.2.7`, `fd00::/8`), as `trusted_proxies` takes them. */
export const cidr = z.string().refine(
  (text) => {
    const [address = '', prefix, extra] = text.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    if (prefix === undefined) return true;
    if (!/^\d{1,3}$/.test(prefix)) return false;
    try {
      new BlockList().addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IP address or a CIDR block such as 10.0.0.0/8' },
);
