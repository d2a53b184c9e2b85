/** The model registry: ranker versions with metrics and gate results, which serves whom, promote and roll back (confirmed); encoder versions. */
import { useEffect, useState } from 'preact/hooks';
import { adminGet, adminSend, errorText, type GateSegment, type ModelRegistry } from './admin-api.ts';
import { ConfirmBox, type PendingConfirm } from './confirm.tsx';

const SEGMENTS: Record<string, string> = {
  with_history: 'shoppers with history',
  without_history: 'shoppers without history',
};

/** A check's numbers, compactly (`lists 12 · ndcg10 0.812 · ...`). */
function checkNumbers(check: Record<string, unknown> | undefined): string {
  if (!check) return '';
  return Object.entries(check)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean')
    .map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toFixed(4)) : v}`)
    .join(' · ');
}

function Gate(props: { segments: Record<string, GateSegment> | undefined }) {
  if (!props.segments) return <span class="muted">no gate (older model)</span>;
  return (
    <ul class="gate">
      {Object.entries(props.segments).map(([segment, decision]) => (
        <li key={segment} class={decision.serve ? 'pass' : 'fail'}>
          <strong>{SEGMENTS[segment] ?? segment}:</strong> {decision.serve ? 'passed' : 'failed'}
          {decision.reasons.length > 0 && <span> — {decision.reasons.join('; ')}</span>}
          {Object.entries(decision.checks).map(([name, check]) => (
            <div key={name} class="check">
              {name}: {checkNumbers(check)}
            </div>
          ))}
        </li>
      ))}
    </ul>
  );
}

export function Models() {
  const [registry, setRegistry] = useState<ModelRegistry | null>(null);
  const [status, setStatus] = useState<{ kind: string; text: string } | null>(null);
  const [pending, setPending] = useState<PendingConfirm | null>(null);
  const load = () =>
    adminGet<ModelRegistry>('/v1/admin/models')
      .then(setRegistry)
      .catch((error) => setStatus({ kind: 'error', text: errorText(error) }));
  useEffect(() => {
    void load();
  }, []);

  const change = (url: string, done: (r: { serving: string | null }) => string) =>
    adminSend<{ serving: string | null }>(url, 'POST', {})
      .then((result) => {
        setStatus({ kind: 'ok', text: done(result) });
        return load();
      })
      .catch((error) => setStatus({ kind: 'error', text: errorText(error) }));

  const promote = (version: string) =>
    setPending({
      text: `Serve ranker ${version} to every shopper now? The one serving now (${registry?.serving ?? 'none'}) can be rolled back to.`,
      action: 'Promote',
      run: () =>
        change(
          `/v1/admin/models/${encodeURIComponent(version)}/promote`,
          (r) => `Ranker ${r.serving} serves now.`,
        ),
    });
  const rollback = () =>
    setPending({
      text: `Roll back from ${registry?.serving ?? 'none'} to ${registry?.rollback_to ?? 'the fused order (no model)'}?`,
      action: 'Roll back',
      run: () =>
        change('/v1/admin/models/rollback', (r) =>
          r.serving ? `Rolled back: ${r.serving} serves now.` : 'Rolled back: no model serves (fused order).',
        ),
    });

  if (!registry) return <p class="loading">{status?.text ?? 'Loading models…'}</p>;
  return (
    <section class="models" aria-label="Model registry">
      <div class="toolbar">
        <span>
          Serving: <strong class="serving-version">{registry.serving ?? 'none (fused order)'}</strong>
        </span>
        <button type="button" disabled={!registry.serving} onClick={rollback}>
          Roll back{registry.rollback_to ? ` to ${registry.rollback_to}` : ''}
        </button>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ConfirmBox pending={pending} onClose={() => setPending(null)} />
      {status && (
        <p class={`status ${status.kind}`} role="status">
          {status.text}
        </p>
      )}
      <h2>Rankers</h2>
      {registry.rankers.length === 0 ? (
        <p class="muted">
          No ranker saved yet: the <code>retrain</code> job (or <code>npm run cli -- train</code>) makes one.
        </p>
      ) : (
        <table class="ranker-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Status</th>
              <th>Trained</th>
              <th>Held-out NDCG@10 (model / fused)</th>
              <th>Serves</th>
              <th>Gate</th>
              <th>Files</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {registry.rankers.map((m) => (
              <tr
                key={m.version}
                data-version={m.version}
                class={m.status === 'serving' ? 'serving' : undefined}
              >
                <td>
                  <code>{m.version}</code>
                  <div class="muted">
                    {m.source}, {m.backend}
                  </div>
                </td>
                <td class="model-status">{m.status.replace('_', ' ')}</td>
                <td>{new Date(m.trained_at).toLocaleString()}</td>
                <td>
                  {m.heldout_ndcg10.toFixed(3)} / {m.fused_ndcg10.toFixed(3)}
                </td>
                <td>
                  {[
                    m.serves.shoppers_with_history && 'with history',
                    m.serves.shoppers_without_history && 'without history',
                  ]
                    .filter(Boolean)
                    .join(', ') || 'nobody'}
                </td>
                <td>
                  <Gate segments={m.gate?.segments} />
                </td>
                <td>{m.files}</td>
                <td>
                  {m.status !== 'serving' && (
                    <button type="button" class="promote" onClick={() => promote(m.version)}>
                      Promote
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Encoders</h2>
      {registry.encoders.length === 0 ? (
        <p class="muted">No in-house encoder saved.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Version</th>
              <th>Active</th>
              <th>Trained</th>
              <th>Products</th>
              <th>Dimensions</th>
              <th>Recall@10</th>
              <th>Files</th>
            </tr>
          </thead>
          <tbody>
            {registry.encoders.map((e) => (
              <tr key={e.version}>
                <td>
                  <code>{e.version}</code>
                </td>
                <td>{e.active ? 'yes' : ''}</td>
                <td>{new Date(e.trained_at).toLocaleString()}</td>
                <td>{e.products}</td>
                <td>{e.dimensions}</td>
                <td>{e.recall_at_10.toFixed(3)}</td>
                <td>{e.files}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
