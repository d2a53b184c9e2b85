/**
 * The merchandising files: pick one, edit it, validate it (problems at line:column), preview
 * a merchandising file's effect on real queries (current vs proposed top 10, moved
 * products, NDCG and click estimates), save it on the version it was read at, and undo.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { RequestFailed } from '../api.ts';
import {
  adminGet,
  adminSend,
  type ErrorDetailLike,
  errorText,
  type FileProblem,
  type MappingsFile,
  type PreviewReport,
} from './admin-api.ts';
import { type EditorHandle, FileEditor } from './file-editor.tsx';
import { Preview } from './preview.tsx';

/** The files the preview can try (the others change no ranking). */
const PREVIEWABLE = new Set([
  'rules.yaml',
  'synonyms.txt',
  'stopwords.txt',
  'boosts.yaml',
  'attributes.yaml',
]);

function problemsOf(details: unknown[], file: string): FileProblem[] {
  return (details as ErrorDetailLike[]).map((d) => {
    const where = d.message.match(/:(\d+):(\d+)\s/);
    return {
      file,
      line: d.line ?? (where ? Number(where[1]) : null),
      column: d.column ?? (where ? Number(where[2]) : null),
      message: d.message,
    };
  });
}

type Status = { kind: 'ok' | 'error' | 'info'; text: string } | null;

export function Merchandising() {
  const [files, setFiles] = useState<string[]>([]);
  const [name, setName] = useState('rules.yaml');
  const [file, setFile] = useState<MappingsFile | null>(null);
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<FileProblem[]>([]);
  const [status, setStatus] = useState<Status>(null);
  const [preview, setPreview] = useState<PreviewReport | null>(null);
  const [queries, setQueries] = useState('');
  const [busy, setBusy] = useState(false);
  const editor = useRef<EditorHandle | null>(null);
  const dirty = file !== null && text !== file.text;

  const load = async (which: string, keepStatus = false) => {
    const loaded = await adminGet<MappingsFile>(`/v1/admin/mappings/${encodeURIComponent(which)}`);
    setFile(loaded);
    setText(loaded.text);
    setProblems([]);
    setPreview(null);
    if (!keepStatus) setStatus(null);
  };
  useEffect(() => {
    adminGet<{ files: { file: string }[] }>('/v1/admin/mappings')
      .then((list) => setFiles(list.files.map((f) => f.file)))
      .catch((error) => setStatus({ kind: 'error', text: errorText(error) }));
  }, []);
  useEffect(() => {
    load(name).catch((error) => setStatus({ kind: 'error', text: errorText(error) }));
  }, [name]);

  /** Runs an action; a 400 with file problems shows them, anything else as a status line. */
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      if (error instanceof RequestFailed && error.status === 400 && error.details.length > 0) {
        setProblems(problemsOf(error.details, name));
        setStatus({ kind: 'error', text: 'The file has problems: nothing was changed.' });
      } else if (error instanceof RequestFailed && error.status === 409) {
        setStatus({
          kind: 'error',
          text: `${error.message}. Copy your edit, reload the file and apply it again.`,
        });
      } else setStatus({ kind: 'error', text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };

  const validate = () =>
    act(async () => {
      const result = await adminSend<{ valid: boolean; problems: FileProblem[] }>(
        `/v1/admin/mappings/${encodeURIComponent(name)}/check`,
        'POST',
        { text },
      );
      setProblems(result.problems);
      setStatus(
        result.valid
          ? { kind: 'ok', text: `${name} is valid.` }
          : { kind: 'error', text: `${result.problems.length} problem(s) in ${name}.` },
      );
    });

  const runPreview = () =>
    act(async () => {
      const list = queries
        .split(',')
        .map((q) => q.trim())
        .filter(Boolean);
      const report = await adminSend<PreviewReport>('/v1/admin/merchandising/preview', 'POST', {
        files: { [name]: text },
        ...(list.length > 0 && { queries: list }),
        size: 10,
      });
      setProblems([]);
      setPreview(report);
      setStatus({
        kind: 'info',
        text: `Preview: ${report.summary.changed} of ${report.summary.queries} queries change.`,
      });
    });

  const save = () =>
    act(async () => {
      const saved = await adminSend<MappingsFile>(`/v1/admin/mappings/${encodeURIComponent(name)}`, 'PUT', {
        text,
        base_version: file!.version,
      });
      setFile(saved);
      setText(saved.text);
      setProblems([]);
      setStatus({ kind: 'ok', text: `Saved ${name} (version ${saved.version}); it is live.` });
    });

  const undo = () =>
    act(async () => {
      const restored = await adminSend<MappingsFile>(
        `/v1/admin/mappings/${encodeURIComponent(name)}/undo`,
        'POST',
        { base_version: file!.version },
      );
      setFile(restored);
      setText(restored.text);
      setProblems([]);
      setPreview(null);
      setStatus({ kind: 'ok', text: `Restored ${name} to version ${restored.version}; it is live.` });
    });

  const problemLines = new Set(problems.flatMap((p) => (p.line ? [p.line] : [])));
  return (
    <section class="merchandising" aria-label="Merchandising files">
      <div class="toolbar">
        <label>
          File
          <select
            name="file"
            value={name}
            onChange={(e) => {
              if (dirty && !confirm(`Discard your changes to ${name}?`)) return;
              setName(e.currentTarget.value);
            }}
          >
            {(files.length > 0 ? files : [name]).map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <span class="version">
          {file && `version ${file.version}${dirty ? ' · edited' : ''}`}
          {file && file.history.length > 0 && ` · ${file.history.length} earlier`}
        </span>
        <button type="button" disabled={busy} onClick={validate}>
          Validate
        </button>
        <button type="button" disabled={busy || !dirty} onClick={save} class="primary">
          Save
        </button>
        <button
          type="button"
          disabled={busy || dirty || !file || file.history.length === 0}
          onClick={undo}
          title={file?.history[0] ? `back to version ${file.history[0].version}` : 'no earlier version'}
        >
          Undo last save
        </button>
        <button type="button" disabled={busy || !dirty} onClick={() => load(name)}>
          Revert edits
        </button>
      </div>
      {status && (
        <p class={`status ${status.kind}`} role="status">
          {status.text}
        </p>
      )}
      {problems.length > 0 && (
        <ul class="problems" aria-label="Problems">
          {problems.map((p) => (
            <li key={p.message}>
              <button
                type="button"
                class="problem"
                onClick={() => p.line && editor.current?.goTo(p.line, p.column ?? 1)}
              >
                <span class="where">{p.line ? `${p.line}:${p.column ?? 1}` : p.file}</span> {p.message}
              </button>
            </li>
          ))}
        </ul>
      )}
      <FileEditor text={text} onText={setText} problemLines={problemLines} handle={editor} />
      {PREVIEWABLE.has(name) && (
        <div class="preview-bar">
          <label>
            Queries to try
            <input
              name="preview_queries"
              placeholder="comma-separated; empty: the most searched queries"
              value={queries}
              onInput={(e) => setQueries(e.currentTarget.value)}
            />
          </label>
          <button type="button" disabled={busy} onClick={runPreview}>
            Preview
          </button>
        </div>
      )}
      {preview && <Preview report={preview} />}
    </section>
  );
}
