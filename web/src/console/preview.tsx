/** The preview diff: per query, the current and proposed top 10 side by side, what moved, and the NDCG and click estimates. */
import type { Moved, NdcgChange, PreviewReport, QueryPreview } from './admin-api.ts';

const signed = (n: number) => `${n > 0 ? '+' : ''}${n.toFixed(3)}`;

function Ndcg(props: { label: string; value?: NdcgChange | undefined }) {
  if (!props.value) return null;
  const { current, proposed, change } = props.value;
  return (
    <span class={`ndcg ${change > 0 ? 'up' : change < 0 ? 'down' : ''}`}>
      {props.label} {current.toFixed(3)} → {proposed.toFixed(3)} ({signed(change)})
    </span>
  );
}

function movement(m: Moved): string {
  if (m.from === null) return `new at ${m.to}`;
  if (m.to === null) return `out (was ${m.from})`;
  return `${m.from} → ${m.to}`;
}

function QueryDiff(props: { query: QueryPreview }) {
  const { query } = props;
  const moved = new Map(query.moved.map((m) => [m.id, m]));
  const rows = Math.max(query.current.length, query.proposed.length);
  return (
    <article class={`query-diff${query.changed ? ' changed' : ''}`} data-query={query.q}>
      <h3>
        “{query.q}” {query.changed ? <span class="badge">changes</span> : <span class="same">no change</span>}
      </h3>
      <p class="estimates">
        <Ndcg label="NDCG@10 (judged)" value={query.ndcg10} />
        {query.clicks && (
          <span class="clicks">
            clicked products: {query.clicks.moved_up} up, {query.clicks.moved_down} down over{' '}
            {query.clicks.searches} searches; <Ndcg label="click NDCG@10" value={query.clicks.ndcg10} />
          </span>
        )}
        {query.proposed_rules.length > 0 && <span>rules: {query.proposed_rules.join(', ')}</span>}
      </p>
      <table class="diff">
        <thead>
          <tr>
            <th>#</th>
            <th>Current</th>
            <th>Proposed</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, i) => {
            const current = query.current[i];
            const proposed = query.proposed[i];
            const move = proposed && moved.get(proposed.id);
            return (
              <tr key={i} class={current?.id !== proposed?.id ? 'differs' : undefined}>
                <td>{i + 1}</td>
                <td>{current && <span title={current.id}>{current.title}</span>}</td>
                <td>
                  {proposed && (
                    <span title={proposed.id} data-product={proposed.id}>
                      {proposed.title}
                    </span>
                  )}
                  {move && <span class="moved"> {movement(move)}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {query.moved.length > 0 && (
        <p class="moved-list">
          Moved:{' '}
          {query.moved.map((m) => (
            <span key={m.id} class="moved-product" data-product={m.id}>
              {m.id} {movement(m)}
            </span>
          ))}
        </p>
      )}
    </article>
  );
}

export function Preview(props: { report: PreviewReport }) {
  const { summary, queries } = props.report;
  const ordered = [...queries].sort((a, b) => Number(b.changed) - Number(a.changed));
  return (
    <section class="preview" aria-label="Preview">
      <h2>Preview</h2>
      <p class="summary">
        {summary.changed} of {summary.queries} {summary.source === 'logged' ? 'most searched' : 'given'}{' '}
        queries change; {summary.judged} judged. <Ndcg label="NDCG@10" value={summary.ndcg10} />{' '}
        {summary.with_clicks > 0 && (
          <>
            Click estimate over {summary.with_clicks} queries with clicks: {summary.clicked_moved_up} clicked
            products up, {summary.clicked_moved_down} down.{' '}
            <Ndcg label="click NDCG@10" value={summary.click_ndcg10} />
          </>
        )}
      </p>
      {ordered.map((q) => (
        <QueryDiff key={q.q} query={q} />
      ))}
    </section>
  );
}
