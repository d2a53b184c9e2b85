/**
 * `simulate --clicks`: the degenerate click models (pure noise, popularity alone) that a
 * training gate must reject can be driven from the command line, in a child process.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const simulate = (clicks: string) =>
  runCli(
    ['simulate', '--clicks', clicks, '--shoppers', '6', '--sessions', '2', '--queries', '3', '--no-progress'],
    { DEMO_CATALOG: 'auto', EMBEDDER: 'hashing', RATE_LIMIT: 'off' },
    120_000,
  );

describe('simulate --clicks', { timeout: 180_000 }, () => {
  it('drives noise-only clicks, says which model, and they ignore the shoppers taste', async () => {
    const { code, stdout, stderr } = await simulate('noise');
    expect(code, stderr).toBe(0);
    const output = JSON.parse(stdout);
    expect(output.click_model).toBe('noise');
    expect(output.traffic.searches).toBe(36);
    expect(output.traffic.events.click).toBeGreaterThan(0);
    // Every examined product is clicked with one probability: rank 1 at about 0.08 (bounded loosely).
    expect(output.traffic.ctr_by_position[0]).toBeLessThan(0.3);
  });

  it('refuses a click model it does not know, naming the choices', async () => {
    const { code, stderr } = await runCli(['simulate', '--clicks', 'bogus']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/Allowed choices are relevance, noise, popularity/);
  });
});
