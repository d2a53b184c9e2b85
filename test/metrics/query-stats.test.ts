/** The console's query counts: normalized texts, hourly generations, a hard bound on distinct texts. */
import { describe, expect, it } from 'vitest';
import { normalizeQueryText, QueryStats } from '../../src/metrics/query-stats.ts';

const HOUR = 3_600_000;

describe('query stats', () => {
  it('normalizes texts: lower case, whitespace collapsed, at most 100 characters, blanks skipped', () => {
    expect(normalizeQueryText('  Cordless \t  DRILL\n')).toBe('cordless drill');
    expect(Array.from(normalizeQueryText('é'.repeat(300)))).toHaveLength(100);
    const stats = new QueryStats(10, HOUR, 0);
    stats.record('   ', true, 1);
    stats.record('', true, 1);
    expect(stats.size).toBe(0);
  });

  it('counts the current hour and the one before, and forgets older ones', () => {
    const stats = new QueryStats(10, HOUR, 0);
    stats.record('drill', false, 10);
    stats.record('Drill', true, 20);
    stats.record('zzz', true, HOUR + 5);
    let report = stats.report(HOUR + 10);
    expect(report.top_queries[0]).toEqual({ text: 'drill', searches: 2, zero_result_share: 0.5 });
    expect(report.zero_result_queries.map((q) => q.text)).toEqual(['drill', 'zzz']);
    expect(report.query_window.since).toBe(new Date(0).toISOString());
    report = stats.report(2 * HOUR + 10);
    expect(report.top_queries.map((q) => q.text)).toEqual(['zzz']);
    expect(report.query_window.since).toBe(new Date(HOUR).toISOString());
    expect(stats.report(10 * HOUR).top_queries).toEqual([]);
  });

  it('never holds more than the cap, and a flood of one-off texts keeps the frequent ones', () => {
    const stats = new QueryStats(100, HOUR, 0);
    for (let i = 0; i < 5; i++) stats.record('frequent', false, i);
    for (let i = 0; i < 10_000; i++) {
      stats.record(`one-off ${i}`, true, 10 + i);
      expect(stats.size).toBeLessThanOrEqual(100);
    }
    const report = stats.report(20_000);
    expect(report.query_window.distinct_texts).toBeLessThanOrEqual(100);
    expect(report.top_queries[0]).toMatchObject({ text: 'frequent', searches: 5 });
    expect(report.top_queries).toHaveLength(20);
    expect(report.zero_result_queries).toHaveLength(20);
  });
});
