/**
 * What an experiment's logged searches say. Interleaving: per search, the arm whose
 * products got more clicks wins it (ties and searches without clicks count for neither);
 * the winner is the arm with more won searches if an exact sign test rejects "equally
 * good" at `alpha`. A/B: per arm, click-through (searches with a click) with Wilson
 * intervals and purchases per search with normal intervals; the winner is the arm with the
 * higher click-through when a two-proportion test rejects equality at `alpha`.
 */
import { type EventStore, impressionsWithActions } from '../users/event-store.ts';
import type { Arm, Experiment } from './experiment-settings.ts';
import { type Interval, meanInterval, signTest, twoProportionTest, wilsonInterval } from './significance.ts';
import { interleavingCredit } from './team-draft.ts';

export interface ArmOutcome {
  searches: number;
  clicks: number;
  purchases: number;
  click_through: Interval;
  purchases_per_search: Interval;
}

export interface ExperimentReport {
  id: string;
  method: Experiment['method'];
  control: string;
  treatment: string;
  status: 'scheduled' | 'running' | 'ended';
  searches: number;
  winner: Arm | null;
  p_value: number;
  alpha: number;
  interleaving?: { treatment_wins: number; control_wins: number; ties: number; clicks: Record<Arm, number> };
  arms?: Record<Arm, ArmOutcome>;
}

interface ArmCounts {
  searches: number;
  clicked: number;
  clicks: number;
  purchases: number;
  purchasesSquared: number;
}

export async function experimentReport(
  store: EventStore,
  experiment: Experiment,
  alpha: number,
  now = Date.now(),
): Promise<ExperimentReport> {
  const start = Date.parse(experiment.start);
  const end = Date.parse(experiment.end);
  const wins = { control: 0, treatment: 0, ties: 0 };
  const clicks = { control: 0, treatment: 0 };
  const arms: Record<Arm, ArmCounts> = {
    control: { searches: 0, clicked: 0, clicks: 0, purchases: 0, purchasesSquared: 0 },
    treatment: { searches: 0, clicked: 0, clicks: 0, purchases: 0, purchasesSquared: 0 },
  };
  let searches = 0;
  for await (const page of impressionsWithActions(store, start)) {
    for (const { impression, actions } of page) {
      if (impression.experiment?.id !== experiment.id || impression.timestamp >= end) continue;
      searches++;
      const position = new Map(impression.items.map((item) => [item.productId, item.position]));
      const clicked: number[] = [];
      let purchases = 0;
      for (const [productId, types] of actions) {
        if (types.includes('click') && position.has(productId)) clicked.push(position.get(productId)!);
        purchases += types.filter((t) => t === 'purchase').length;
      }
      if (impression.experiment.method === 'interleaving') {
        const credit = interleavingCredit(
          impression.items.map((item) => item.team),
          clicked,
        );
        clicks.control += credit.control;
        clicks.treatment += credit.treatment;
        if (credit.control + credit.treatment === 0) continue;
        if (credit.treatment > credit.control) wins.treatment++;
        else if (credit.control > credit.treatment) wins.control++;
        else wins.ties++;
      } else if (impression.experiment.arm) {
        const arm = arms[impression.experiment.arm];
        arm.searches++;
        arm.clicks += clicked.length;
        if (clicked.length > 0) arm.clicked++;
        arm.purchases += purchases;
        arm.purchasesSquared += purchases * purchases;
      }
    }
  }
  const status = now < start ? 'scheduled' : now < end ? 'running' : 'ended';
  const base = {
    id: experiment.id,
    method: experiment.method,
    control: experiment.control,
    treatment: experiment.treatment,
    status,
    searches,
    alpha,
  } as const;
  if (experiment.method === 'interleaving') {
    const p = signTest(wins.treatment, wins.control);
    const winner = p < alpha ? (wins.treatment > wins.control ? 'treatment' : 'control') : null;
    return {
      ...base,
      winner,
      p_value: p,
      interleaving: { treatment_wins: wins.treatment, control_wins: wins.control, ties: wins.ties, clicks },
    };
  }
  const outcome = (a: ArmCounts): ArmOutcome => ({
    searches: a.searches,
    clicks: a.clicks,
    purchases: a.purchases,
    click_through: wilsonInterval(a.clicked, a.searches, alpha),
    purchases_per_search: meanInterval(a.purchases, a.purchasesSquared, a.searches, alpha),
  });
  const { control, treatment } = arms;
  const p = twoProportionTest(treatment.clicked, treatment.searches, control.clicked, control.searches);
  const ctr = (a: ArmCounts) => (a.searches > 0 ? a.clicked / a.searches : 0);
  const winner = p < alpha ? (ctr(treatment) > ctr(control) ? 'treatment' : 'control') : null;
  return { ...base, winner, p_value: p, arms: { control: outcome(control), treatment: outcome(treatment) } };
}
