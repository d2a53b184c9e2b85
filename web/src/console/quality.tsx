/**
 * Live ranking quality: the admin quality endpoint's series (sampled from the same counters
 * as /metrics) as charts — searches, zero-result rate, latency, CTR at position 1,
 * first-click MRR, purchases per search — CTR by position over the window, and the serving
 * ranker's NDCG@10 on its held-out judged lists, and two tables: the top queries and the
 * zero-result queries of the last hour or two. Refreshes every interval.
 */
import { useEffect, useState } from 'preact/hooks';
import { adminGet, errorText, type QualityReport, type QualitySample } from './admin-api.ts';
import { BarChart, LineChart, type Point } from './charts.tsx';

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
const plain = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

function series(samples: QualitySample[], value: (s: QualitySample) => number | null): Point[] {
  return samples.map((s) => ({ at: Date.parse(s.at), value: value(s) }));
}

export function Quality() {
  const [report, setReport] = useState<QualityReport | null>(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      adminGet<QualityReport>('/v1/admin/quality')
        .then((r) => {
          setReport(r);
          setProblem('');
          timer = setTimeout(load, Math.max(r.interval_seconds, 5) * 1000);
        })
        .catch((error) => setProblem(errorText(error)));
    void load();
    return () => clearTimeout(timer);
  }, []);
  if (!report) return <p class="loading">{problem || 'Loading quality…'}</p>;
  const s = report.series;
  const { current, ranker } = report;
  return (
    <section class="quality" aria-label="Live quality">
      {problem && <p class="status error">{problem}</p>}
      <p class="numbers">
        Last {report.window_minutes} min: <strong>{current.searches_in_window}</strong> searches, first-click
        MRR <strong>{plain(current.first_click_mrr)}</strong>, purchases per search{' '}
        <strong>{plain(current.purchases_per_search)}</strong>. Since start: {current.searches_total}{' '}
        searches, zero-result rate{' '}
        <strong>
          {current.zero_result_rate_total === null ? '—' : percent(current.zero_result_rate_total)}
        </strong>
        .
        {ranker ? (
          <>
            {' '}
            Serving ranker <code>{ranker.version}</code>: NDCG@10 <strong>{ranker.ndcg10.toFixed(3)}</strong>{' '}
            vs fused {ranker.ndcg10_fused.toFixed(3)} on {ranker.heldout_lists} held-out judged lists.
          </>
        ) : (
          ' No ranker serves (fused order).'
        )}
      </p>
      <div class="charts">
        <LineChart
          id="searches"
          title={`Searches per ${report.interval_seconds} s`}
          points={series(s, (x) => x.searches)}
          format={plain}
        />
        <LineChart
          id="zero-results"
          title="Zero-result rate"
          points={series(s, (x) => x.zero_result_rate)}
          format={percent}
        />
        <LineChart
          id="latency"
          title="Search latency (mean)"
          points={series(s, (x) => x.search_latency_ms?.mean ?? null)}
          format={ms}
        />
        <LineChart
          id="latency-p95"
          title="Search latency (p95, bucket bound)"
          points={series(s, (x) => x.search_latency_ms?.p95 ?? null)}
          format={ms}
        />
        <LineChart
          id="ctr"
          title="CTR at position 1 (window)"
          points={series(s, (x) => x.ctr_at_1)}
          format={percent}
        />
        <LineChart
          id="mrr"
          title="First-click MRR (window)"
          points={series(s, (x) => x.first_click_mrr)}
          format={plain}
        />
        <LineChart
          id="purchases"
          title="Purchases per search (window)"
          points={series(s, (x) => x.purchases_per_search)}
          format={plain}
        />
        <BarChart
          id="ctr-by-position"
          title="CTR by position (window)"
          values={current.ctr_by_position}
          format={percent}
        />
      </div>
      <p class="numbers">
        Queries since {new Date(report.query_window.since).toLocaleTimeString()} (
        {report.query_window.distinct_texts} distinct texts, at most {report.query_window.max_distinct_texts}{' '}
        kept):
      </p>
      <div class="query-tables">
        <table class="top-queries" aria-label="Top queries">
          <caption>Top queries</caption>
          <thead>
            <tr>
              <th>Query</th>
              <th>Searches</th>
              <th>Zero results</th>
            </tr>
          </thead>
          <tbody>
            {report.top_queries.length === 0 && (
              <tr>
                <td colSpan={3}>No searches yet.</td>
              </tr>
            )}
            {report.top_queries.map((q) => (
              <tr key={q.text}>
                <td>{q.text}</td>
                <td>{q.searches}</td>
                <td>{percent(q.zero_result_share)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class="zero-result-queries" aria-label="Zero-result queries">
          <caption>Zero-result queries</caption>
          <thead>
            <tr>
              <th>Query</th>
              <th>Zero-result searches</th>
              <th>Searches</th>
            </tr>
          </thead>
          <tbody>
            {report.zero_result_queries.length === 0 && (
              <tr>
                <td colSpan={3}>None.</td>
              </tr>
            )}
            {report.zero_result_queries.map((q) => (
              <tr key={q.text}>
                <td>{q.text}</td>
                <td>{q.zero_result_searches}</td>
                <td>{q.searches}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
