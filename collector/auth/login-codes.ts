import { randomBytes } from 'node:crypto';

/** A login link is valid once, for ten minutes. */
const CODE_TTL_MS = 10 * 60_000;
/** Bounded, so nobody can grow the map by asking for links. */
const MAX_CODES = 100;

/**
 * One-time login codes: `logship standalone` prints `/login?code=…` so a newcomer is signed in with one click. A
 * code is bound to the token's id, so it signs in as that very token or not at all.
 */
export class LoginCodes {
  private readonly codes = new Map<string, { tokenId: string; expires: number }>();

  /** A new code that signs in as the token `tokenId`. */
  create(tokenId: string, now = Date.now()): string {
    this.prune(now);
    if (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { tokenId, expires: now + CODE_TTL_MS });
    return code;
  }

  /** The token id of a valid code, which is used up by this call; undefined otherwise. */
  consume(code: string, now = Date.now()): string | undefined {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    return entry && entry.expires > now ? entry.tokenId : undefined;
  }

  private prune(now: number): void {
    for (const [code, entry] of this.codes) if (entry.expires <= now) this.codes.delete(code);
  }
}
