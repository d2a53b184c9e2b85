/**
 * Team-draft interleaving (Radlinski, Kurup and Joachims, 2008): the two rankings pick in
 * turns like captains choosing teams, the one with fewer picks first (a coin toss on a
 * tie), each taking its best product not yet taken. Every product shown is credited to the
 * arm that picked it, so a click is a vote for one ranker within the same search: far less
 * noisy than comparing different shoppers' searches in an A/B split.
 */
import type { Arm } from './experiment-settings.ts';

export interface InterleavedItem<T> {
  item: T;
  team: Arm;
}

export function teamDraftInterleave<T extends { id: string }>(
  control: readonly T[],
  treatment: readonly T[],
  length: number,
  coin: (round: number) => boolean,
): InterleavedItem<T>[] {
  const out: InterleavedItem<T>[] = [];
  const taken = new Set<string>();
  const next = { control: 0, treatment: 0 };
  const picks = { control: 0, treatment: 0 };
  const lists = { control, treatment };
  const pick = (team: Arm): boolean => {
    const list = lists[team];
    while (next[team] < list.length && taken.has(list[next[team]]!.id)) next[team]++;
    if (next[team] >= list.length) return false;
    const item = list[next[team]]!;
    taken.add(item.id);
    out.push({ item, team });
    picks[team]++;
    return true;
  };
  let round = 0;
  while (out.length < length) {
    const first: Arm =
      picks.control < picks.treatment
        ? 'control'
        : picks.treatment < picks.control
          ? 'treatment'
          : coin(round++)
            ? 'control'
            : 'treatment';
    const second: Arm = first === 'control' ? 'treatment' : 'control';
    if (!pick(first) && !pick(second)) break;
  }
  return out;
}

/** Clicks per arm on one interleaved list: the arm with more wins the search. */
export function interleavingCredit(teams: readonly (Arm | undefined)[], clickedPositions: readonly number[]) {
  const credit = { control: 0, treatment: 0 };
  for (const position of clickedPositions) {
    const team = teams[position - 1];
    if (team) credit[team]++;
  }
  return credit;
}
