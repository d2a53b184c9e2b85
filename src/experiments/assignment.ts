/**
 * Who is in an experiment, and in which arm: a hash of the experiment id and the shopper
 * (user id, else session id), so a shopper sees the same arm on every search and every
 * replica, without storing anything. A search with neither is assigned by its query id
 * (not sticky: nothing identifies the shopper).
 */
import { createHash } from 'node:crypto';
import type { Arm, Experiment } from './experiment-settings.ts';

/** A uniform number in [0, 1) from the text. */
export function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

export interface Assignment {
  experiment: Experiment;
  /** The A/B arm; interleaving serves both. */
  arm?: Arm;
}

export function assign(
  experiments: readonly Experiment[],
  shopper: string,
  isRunning: (e: Experiment) => boolean,
): Assignment | undefined {
  // One experiment per search: the first running one that takes this shopper.
  for (const experiment of experiments) {
    if (!isRunning(experiment)) continue;
    if (unitHash(`${experiment.id}\u0000in\u0000${shopper}`) >= experiment.traffic) continue;
    if (experiment.method === 'interleaving') return { experiment };
    return {
      experiment,
      arm: unitHash(`${experiment.id}\u0000arm\u0000${shopper}`) < 0.5 ? 'control' : 'treatment',
    };
  }
  return undefined;
}
