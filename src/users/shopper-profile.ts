/**
 * The shopper as one profile, for everything that personalizes (ranker features, the home
 * feed, autocomplete): the user's profile when there is one, the anonymous session's
 * otherwise, and both merged when a shopper logged in mid-session.
 */
import type { EventStore } from './event-store.ts';
import { mergeProfiles, type UserProfile } from './profiles.ts';

export async function readShopperProfile(
  store: Pick<EventStore, 'profiles'>,
  userHash: string | undefined,
  sessionKey: string | undefined,
): Promise<UserProfile | undefined> {
  const keys = [userHash, sessionKey].filter((k): k is string => k !== undefined);
  if (keys.length === 0) return undefined;
  const profiles = await store.profiles(keys);
  return mergeProfiles(
    userHash !== undefined ? profiles.get(userHash) : undefined,
    sessionKey !== undefined ? profiles.get(sessionKey) : undefined,
  );
}
