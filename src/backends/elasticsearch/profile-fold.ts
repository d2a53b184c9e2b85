/**
 * Folding stored events into shopper profiles in the cluster. There is no transaction
 * across documents, so the fold is idempotent and resumable instead: an event is stored
 * `folded: false`; each profile is written with optimistic concurrency (`if_seq_no`) and
 * remembers the ids it folded last; then the events are marked folded. After a crash
 * anywhere in between, a duplicate still marked unfolded is folded when it arrives again
 * (or by `unfoldedEvents`), unless its profile already remembers it. Whole profiles are
 * written here too (saves, and rebuilds that never leave the index empty).
 */
import { randomUUID } from 'node:crypto';
import { BackendUnavailableError } from '../../catalog/search-backend.ts';
import type { Logger } from '../../main/logger.ts';
import type { ProfileFold } from '../../users/event-store.ts';
import type { StoredEvent } from '../../users/events.ts';
import type { UserProfile } from '../../users/profiles.ts';
import { profileKeyOf } from '../../users/user-ids.ts';
import { type ClusterResource, refusedItems, throwIfRefused } from './cluster.ts';
import {
  documentId,
  type EventDocument,
  type ProfileDocument,
  type ShopperIndices,
} from './shopper-indices.ts';
import { getMany, refreshIndices } from './shopper-reads.ts';

/** Event ids a profile remembers: more than one batch (1,000) holds, so a resumed fold never counts twice. */
const FOLDED_IDS_KEPT = 2000;
/** Compare-and-set rounds before a fold gives up on a profile that keeps changing (503, retry). */
const FOLD_ATTEMPTS = 5;

interface ProfileVersion {
  profile: UserProfile;
  seqNo: number;
  primaryTerm: number;
  folded: Set<string>;
}

export class ProfileFolder {
  constructor(
    private readonly cluster: ClusterResource,
    private readonly indices: ShopperIndices,
    private readonly logger: Logger | undefined,
  ) {}

  /** Of these events (all stored before), those whose documents still say `folded: false`. */
  async stillUnfolded(events: readonly StoredEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const documents = await getMany<EventDocument>(
      this.cluster,
      this.indices.events,
      events.map((e) => e.eventId),
    );
    const unfolded = new Set(documents.filter((d) => d.folded === false).map((d) => d.event_id));
    return events.filter((e) => unfolded.has(e.eventId));
  }

  /** Folds the events into their profiles (compare-and-set per profile), then marks them folded. */
  async foldIntoProfiles(events: readonly StoredEvent[], fold: ProfileFold): Promise<void> {
    if (events.length === 0) return;
    const index = this.indices.profiles;
    let users = [...new Set(events.map((e) => profileKeyOf(e)!))];
    for (let attempt = 1; users.length > 0; attempt++) {
      const stored = await this.profileVersions(users);
      const todo = events.filter(
        (e) => users.includes(profileKeyOf(e)!) && !stored.get(profileKeyOf(e)!)?.folded.has(e.eventId),
      );
      const current = new Map([...stored].map(([hash, version]) => [hash, version.profile]));
      const updated = fold(todo, current);
      if (updated.length === 0) break;
      const results = await this.cluster.bulk(
        updated.map((profile) => {
          const version = stored.get(profile.userHash);
          const ids = todo.filter((e) => profileKeyOf(e) === profile.userHash).map((e) => e.eventId);
          const remembered = [...(version?.folded ?? []), ...ids].slice(-FOLDED_IDS_KEPT);
          const _id = documentId(profile.userHash);
          return {
            action: version
              ? {
                  index: {
                    _index: index,
                    _id,
                    if_seq_no: version.seqNo,
                    if_primary_term: version.primaryTerm,
                  },
                }
              : { create: { _index: index, _id } },
            body: {
              user_hash: profile.userHash,
              updated_at: Date.now(),
              profile,
              folded_events: remembered,
            } satisfies ProfileDocument,
          };
        }),
      );
      // A 409: another replica wrote the profile meanwhile; read it again and fold what it lacks.
      const conflicted = updated.filter((_, i) => results[i]!.status === 409).map((p) => p.userHash);
      const refused = refusedItems(results, (i) => updated[i]!.userHash).filter(
        ({ item }) => item.status !== 409,
      );
      throwIfRefused(index, refused, results.length - refused.length);
      if (conflicted.length > 0 && attempt >= FOLD_ATTEMPTS) {
        throw new BackendUnavailableError(`profiles of ${conflicted.length} shopper(s) kept changing; retry`);
      }
      users = conflicted;
    }
    await this.markFolded(events);
  }

  /** The stored profiles with the version to write them back under and the event ids they remember. */
  private async profileVersions(users: readonly string[]): Promise<Map<string, ProfileVersion>> {
    const response = await this.cluster.call((client) =>
      client.mget<ProfileDocument>({ index: this.indices.profiles, ids: users.map(documentId) }),
    );
    const out = new Map<string, ProfileVersion>();
    for (const doc of response.docs) {
      if ('error' in doc)
        throw new Error(`${this.indices.profiles}/${doc._id}: ${doc.error.reason ?? doc.error.type}`);
      if (!doc.found || !doc._source) continue;
      out.set(doc._source.user_hash, {
        profile: doc._source.profile,
        seqNo: doc._seq_no!,
        primaryTerm: doc._primary_term!,
        folded: new Set(doc._source.folded_events ?? []),
      });
    }
    return out;
  }

  /** Marks folded events so no later resume looks at them; a failure only leaves work for a resume. */
  private async markFolded(events: readonly StoredEvent[]): Promise<void> {
    try {
      const results = await this.cluster.bulk(
        events.map((e) => ({
          action: { update: { _index: this.indices.events, _id: documentId(e.eventId) } },
          body: { doc: { folded: true } },
        })),
      );
      const failed = refusedItems(results, (i) => events[i]!.eventId);
      if (failed.length > 0) {
        this.logger?.warn(
          { failed: failed.length, reason: failed[0]!.item.error?.reason },
          'events folded but not marked; their profiles remember them',
        );
      }
    } catch (error) {
      this.logger?.warn({ err: error }, 'events folded but not marked; their profiles remember them');
    }
  }

  async saveProfiles(profiles: readonly UserProfile[]): Promise<void> {
    await this.indexProfiles(profiles, { updated_at: Date.now() });
  }

  /**
   * Writes the new profiles first, then deletes the ones this run did not write, so
   * searches never see an empty profile index mid-rebuild. Profiles saved by event intake
   * after the run started are kept.
   */
  async replaceAllProfiles(profiles: readonly UserProfile[]): Promise<number> {
    const generation = randomUUID();
    const startedAt = Date.now();
    await this.indexProfiles(profiles, { updated_at: startedAt, generation });
    await refreshIndices(this.cluster, this.indices.profiles);
    await this.cluster.call(
      (client) =>
        client.deleteByQuery({
          index: this.indices.profiles,
          query: {
            bool: {
              must_not: [{ term: { generation } }],
              filter: [{ range: { updated_at: { lte: startedAt } } }],
            },
          },
          conflicts: 'proceed',
          refresh: true,
        }),
      { long: true },
    );
    return profiles.length;
  }

  private async indexProfiles(
    profiles: readonly UserProfile[],
    stamp: Pick<ProfileDocument, 'updated_at' | 'generation'>,
  ): Promise<void> {
    if (profiles.length === 0) return;
    const index = this.indices.profiles;
    const results = await this.cluster.bulk(
      profiles.map((profile) => ({
        action: { index: { _index: index, _id: documentId(profile.userHash) } },
        body: { user_hash: profile.userHash, ...stamp, profile } satisfies ProfileDocument,
      })),
    );
    const refused = refusedItems(results, (i) => profiles[i]!.userHash);
    throwIfRefused(index, refused, results.length - refused.length);
  }
}
