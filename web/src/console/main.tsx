/**
 * The merchandiser console (`/console`): the merchandising files (edit, validate at
 * line:column, preview the change on real queries, save, undo), the model registry
 * (versions, metrics, gate results, promote and roll back), jobs (schedules, runs, run
 * now) and live ranking quality as charts. Everything goes through the admin API with the
 * key entered here, kept in this tab's sessionStorage.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import '../styles.css';
import './console.css';
import { adminGet, adminKey, errorText } from './admin-api.ts';
import { Jobs } from './jobs.tsx';
import { Merchandising } from './merchandising.tsx';
import { Models } from './models.tsx';
import { Quality } from './quality.tsx';

const TABS = [
  ['merchandising', 'Merchandising'],
  ['models', 'Models'],
  ['jobs', 'Jobs'],
  ['quality', 'Live quality'],
] as const;
type Tab = (typeof TABS)[number][0];

function tabFromHash(): Tab {
  const hash = location.hash.slice(1);
  return (TABS.find(([id]) => id === hash)?.[0] ?? 'merchandising') as Tab;
}

function KeyForm(props: { onKey: () => void; problem: string }) {
  const [key, setKey] = useState('');
  return (
    <form
      class="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        adminKey.set(key.trim());
        props.onKey();
      }}
    >
      <h1>Merchandiser console</h1>
      <label>
        Admin API key
        <input
          name="admin_key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
      </label>
      <p class="hint">The service's ADMIN_API_KEY. Kept in this tab only, until it is closed.</p>
      {props.problem && (
        <p class="error" role="alert">
          {props.problem}
        </p>
      )}
      <button type="submit">Open the console</button>
    </form>
  );
}

function Console() {
  const [state, setState] = useState<'checking' | 'locked' | 'open'>(adminKey.get() ? 'checking' : 'locked');
  const [problem, setProblem] = useState('');
  const [tab, setTab] = useState<Tab>(tabFromHash());

  const check = () => {
    setState('checking');
    adminGet('/v1/admin/mappings')
      .then(() => setState('open'))
      .catch((error) => {
        adminKey.clear();
        setProblem(errorText(error));
        setState('locked');
      });
  };
  useEffect(() => {
    if (state === 'checking') check();
    const onHash = () => setTab(tabFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (state === 'locked') return <KeyForm onKey={check} problem={problem} />;
  if (state === 'checking') return <p class="loading">Checking the key…</p>;
  return (
    <div class="console">
      <header>
        <a class="home" href="/console">
          Console
        </a>
        <nav class="tabs" aria-label="Sections">
          {TABS.map(([id, label]) => (
            <a key={id} href={`#${id}`} aria-current={tab === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <a href="/" class="to-search">
          Search page
        </a>
        <button
          type="button"
          class="sign-out"
          onClick={() => {
            adminKey.clear();
            setProblem('');
            setState('locked');
          }}
        >
          Forget key
        </button>
      </header>
      <main>
        {tab === 'merchandising' && <Merchandising />}
        {tab === 'models' && <Models />}
        {tab === 'jobs' && <Jobs />}
        {tab === 'quality' && <Quality />}
      </main>
    </div>
  );
}

render(<Console />, document.getElementById('app')!);
