/** Jobs: schedules, whether each runs now (with its progress), the last run, run history, and run now. */
import { useEffect, useState } from 'preact/hooks';
import { adminGet, adminSend, errorText, type JobRun, type JobsReport } from './admin-api.ts';

function progressOf(run: JobRun): string {
  if (!run.progress) return '';
  const { stage, done, total } = run.progress;
  return total > 0 ? `${stage} ${done}/${total}` : stage;
}

function RunStatus(props: { run: JobRun | null }) {
  const { run } = props;
  if (!run) return <span class="muted">never run</span>;
  return (
    <span class={`run-status ${run.status}`}>
      {run.status}
      {run.status === 'running' && run.progress && (
        <progress max={run.progress.total || 1} value={run.progress.done} />
      )}
      {run.status === 'running' && ` ${progressOf(run)}`}
    </span>
  );
}

export function Jobs() {
  const [report, setReport] = useState<JobsReport | null>(null);
  const [status, setStatus] = useState<{ kind: string; text: string } | null>(null);
  const load = () =>
    adminGet<JobsReport>('/v1/admin/jobs?limit=20')
      .then(setReport)
      .catch((error) => setStatus({ kind: 'error', text: errorText(error) }));
  useEffect(() => {
    void load();
  }, []);
  // Poll while a job runs, so status and progress move without a reload.
  const running = report?.jobs.some((j) => j.running) || report?.runs.some((r) => r.status === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void load(), 1000);
    return () => clearInterval(timer);
  }, [running]);

  const runNow = (job: string) =>
    adminSend<{ run: JobRun }>(`/v1/admin/jobs/${encodeURIComponent(job)}/run`, 'POST', {})
      .then(({ run }) => {
        setStatus({ kind: 'ok', text: `Started ${job} (run ${run.id}).` });
        return load();
      })
      .catch((error) => setStatus({ kind: 'error', text: errorText(error) }));

  if (!report) return <p class="loading">{status?.text ?? 'Loading jobs…'}</p>;
  return (
    <section class="jobs" aria-label="Jobs">
      <p>
        Scheduler: <strong>{report.scheduler}</strong>
        {report.scheduler === 'off' && ' (JOBS_SCHEDULER=off: jobs run only when started here or by the CLI)'}
      </p>
      {status && (
        <p class={`status ${status.kind}`} role="status">
          {status.text}
        </p>
      )}
      <table class="job-table">
        <thead>
          <tr>
            <th>Job</th>
            <th>Schedule</th>
            <th>Next run</th>
            <th>Last run</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {report.jobs.map((job) => (
            <tr key={job.job} data-job={job.job}>
              <td>{job.job}</td>
              <td>
                <code>{job.schedule}</code>
                {!job.enabled && <span class="muted"> (disabled)</span>}
              </td>
              <td>{job.next_run ? new Date(job.next_run).toLocaleString() : '—'}</td>
              <td class="last-run">
                <RunStatus
                  run={
                    job.running ? (report.runs.find((r) => r.job === job.job) ?? job.last_run) : job.last_run
                  }
                />
                {job.last_run?.summary && !job.running && <div class="muted">{job.last_run.summary}</div>}
              </td>
              <td>
                <button
                  type="button"
                  class="run-now"
                  disabled={job.running}
                  onClick={() => void runNow(job.job)}
                >
                  {job.running ? 'Running…' : 'Run now'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Recent runs</h2>
      <table class="runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Job</th>
            <th>Trigger</th>
            <th>Status</th>
            <th>Took</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {report.runs.map((run) => (
            <tr key={run.id} data-run={run.id}>
              <td>{new Date(run.started_at).toLocaleString()}</td>
              <td>{run.job}</td>
              <td>{run.trigger}</td>
              <td>
                <RunStatus run={run} />
              </td>
              <td>{run.duration_seconds !== undefined ? `${run.duration_seconds.toFixed(1)} s` : ''}</td>
              <td>{run.error ?? run.summary ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
