/** `mappings/boosts.yaml`: how much a query match in each product field counts. */
import { z } from 'zod';

const weight = z
  .number()
  .min(0, 'a field weight must be 0 or more')
  .max(100, 'a field weight must be at most 100');

export const boostsSchema = z.strictObject({
  fields: z.strictObject({
    title: weight,
    brand: weight,
    category: weight,
    description: weight,
    attributes: weight,
  }),
});

export type Boosts = z.output<typeof boostsSchema>;
