/**
 * `mappings/experiments.yaml`: online experiments between two rankers. Each names a
 * control and a treatment ranker (`fused`: the fused order without a model; `active`: the
 * model serving now; or a model version), a method (team-draft `interleaving`, the
 * default, or an `ab` split), the share of shoppers in it and when it runs.
 */
import { z } from 'zod';

export const ARMS = ['control', 'treatment'] as const;
export type Arm = (typeof ARMS)[number];

const ranker = z.string().trim().min(1).max(100).describe('`fused`, `active` or a model version');

export const experimentSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an id is 1-64 lower-case letters, digits, - or _'),
    method: z.enum(['interleaving', 'ab']).default('interleaving'),
    control: ranker,
    treatment: ranker,
    /** Share of shoppers in the experiment (sticky per shopper); A/B splits them in half. */
    traffic: z.number().min(0).max(1).default(1),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
  })
  .refine((e) => e.control !== e.treatment, {
    message: 'control and treatment must differ',
    path: ['treatment'],
  })
  .refine((e) => Date.parse(e.end) > Date.parse(e.start), {
    message: 'end must be after start',
    path: ['end'],
  });

export const experimentsSettingsSchema = z
  .strictObject({
    /** Significance level of the report's tests (and of a win the retrain gate accepts). */
    alpha: z.number().min(0.0001).max(0.5).default(0.05),
    experiments: z.array(experimentSchema).max(20).default([]),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.experiments.forEach((e, i) => {
      if (seen.has(e.id))
        ctx.addIssue({ code: 'custom', path: ['experiments', i, 'id'], message: `duplicate id "${e.id}"` });
      seen.add(e.id);
    });
  });

export type Experiment = z.output<typeof experimentSchema>;
export type ExperimentsSettings = z.output<typeof experimentsSettingsSchema>;

export function isRunning(experiment: Experiment, now: number): boolean {
  return now >= Date.parse(experiment.start) && now < Date.parse(experiment.end);
}
