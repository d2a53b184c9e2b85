// Regenerates the autocomplete suggestions inside the serving pods (Elasticsearch overlay).
//
// Why not `hybrid-search jobs run suggestions` in a CronJob pod, like reindex and retrain:
// the suggestions are kept in each pod's DATA_DIR (suggestions.db, SQLite, on an emptyDir)
// and a pod loads them when it starts and when it generates them itself. A CronJob pod
// would write them where no serving pod reads. So this asks every ready pod, through the
// admin API (POST /v1/admin/jobs/suggestions/run), to run the job itself, and waits for
// the runs to end.
//
//   node refresh-suggestions.mjs           every ready pod behind PEERS_HOST (a headless
//                                          Service: one DNS record per ready pod); exits 1
//                                          when a pod could not run the job
//   node refresh-suggestions.mjs --local   this pod only, once its server answers; never
//                                          fails (the postStart hook of the search container,
//                                          so a new pod does not wait for the next schedule)
//
// Environment: ADMIN_API_KEY (required), PEERS_HOST (hybrid-search-pods), PORT or PEERS_PORT
// (8080), REFRESH_TIMEOUT_SECONDS (900), REFRESH_POLL_MS (2000).
import { lookup } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const JOB = 'suggestions';
const local = process.argv.includes('--local');
const port = Number(process.env.PEERS_PORT ?? process.env.PORT ?? 8080);
const apiKey = process.env.ADMIN_API_KEY ?? '';
const deadline = Date.now() + Number(process.env.REFRESH_TIMEOUT_SECONDS ?? 900) * 1000;
const pollMs = Number(process.env.REFRESH_POLL_MS ?? 2000);
const headers = { authorization: `Bearer ${apiKey}` };

function log(message, fields = {}) {
  console.log(JSON.stringify({ time: new Date().toISOString(), msg: message, job: JOB, ...fields }));
}

function baseUrl(address, family) {
  return family === 6 ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

async function request(url, init = {}) {
  const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** Starts the job on one pod; resolves with how it ended there. */
async function refresh(base) {
  const started = await request(`${base}/v1/admin/jobs/${JOB}/run`, { method: 'POST' });
  if (started.status === 409) return { outcome: 'already running' };
  if (started.status !== 202) {
    return { outcome: 'failed', error: `POST answered ${started.status}: ${JSON.stringify(started.body)}` };
  }
  const id = started.body.run.id;
  if (local) return { outcome: 'started', run: id };
  while (Date.now() < deadline) {
    await sleep(pollMs);
    const runs = await request(`${base}/v1/admin/jobs?job=${JOB}&limit=20`);
    const run = runs.status === 200 ? runs.body.runs.find((r) => r.id === id) : undefined;
    if (run && run.status !== 'running') {
      return run.status === 'succeeded'
        ? { outcome: 'succeeded', run: id, counts: run.counts }
        : { outcome: 'failed', run: id, error: run.error ?? run.status };
    }
  }
  return { outcome: 'failed', run: id, error: 'still running at the deadline' };
}

async function waitForLocalServer(base) {
  while (Date.now() < deadline) {
    try {
      if ((await request(`${base}/healthz`)).status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(pollMs);
  }
  return false;
}

async function main() {
  if (!apiKey) throw new Error('ADMIN_API_KEY is not set');
  if (local) {
    const base = baseUrl('127.0.0.1', 4);
    if (!(await waitForLocalServer(base))) return log('the service did not start in time; skipped');
    return log('suggestions job on this pod', await refresh(base));
  }
  const host = process.env.PEERS_HOST ?? 'hybrid-search-pods';
  const found = await lookup(host, { all: true });
  const addresses = [...new Map(found.map((entry) => [entry.address, entry])).values()];
  if (addresses.length === 0) throw new Error(`${host} has no ready pods`);
  const results = await Promise.all(
    addresses.map(async ({ address, family }) => {
      try {
        return { pod: address, ...(await refresh(baseUrl(address, family))) };
      } catch (error) {
        return { pod: address, outcome: 'failed', error: String(error?.message ?? error) };
      }
    }),
  );
  for (const result of results) log('suggestions job', result);
  if (results.some((result) => result.outcome === 'failed')) process.exitCode = 1;
}

main().catch((error) => {
  log('refresh failed', { error: String(error?.message ?? error) });
  process.exitCode = local ? 0 : 1;
});
