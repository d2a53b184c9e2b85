/**
 * Shopper ids (user and session ids) never reach storage in the clear: they are replaced by
 * an HMAC-SHA256 keyed with a secret. Without the secret the stored hashes cannot be linked back to ids, and
 * `DELETE /v1/users/:id` can still find everything of one shopper.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class UserIdHasher {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('the user id secret must be at least 16 characters');
  }

  hash(userId: string): string {
    return createHmac('sha256', this.secret).update(userId).digest('base64url').slice(0, 32);
  }

  /** Session ids get the same keyed hash, in a domain of their own (a session "x" is not user "x"). */
  hashSession(sessionId: string): string {
    return createHmac('sha256', this.secret)
      .update('session\u0000')
      .update(sessionId)
      .digest('base64url')
      .slice(0, 32);
  }

  /**
   * The key an anonymous session's profile is kept under: the session's keyed hash (as
   * stored with its events), prefixed so it never equals a user's hash.
   */
  sessionKey(sessionId: string): string {
    return sessionProfileKey(this.hashSession(sessionId));
  }
}

/** User hashes are base64url, which has no colon: a session key can never be one. */
export const SESSION_KEY_PREFIX = 'session:';

/** The profile key of a session known by its stored hash (`hashSession`). */
export function sessionProfileKey(sessionHash: string): string {
  return `${SESSION_KEY_PREFIX}${sessionHash}`;
}

/**
 * The profile an event folds into: its user's, else (only a session id) its session's.
 * Stored events carry hashed ids, so this needs no secret.
 */
export function profileKeyOf(event: { userHash?: string; sessionId?: string }): string | undefined {
  if (event.userHash !== undefined) return event.userHash;
  return event.sessionId !== undefined ? sessionProfileKey(event.sessionId) : undefined;
}

export function isSessionKey(key: string): boolean {
  return key.startsWith(SESSION_KEY_PREFIX);
}

/**
 * The configured secret (USER_ID_SECRET), or one generated once and kept in the data
 * directory (mode 600) so a zero-setup install still never stores raw ids.
 */
export function loadUserIdSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'user-id.secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return fs.readFileSync(file, 'utf8').trim();
  }
}
