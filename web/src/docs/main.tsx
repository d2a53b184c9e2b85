/**
 * The API docs page: renders the service's own OpenAPI description (`/openapi.json`), so
 * the page is always the description in force (attribute filters included), offline and
 * with no third-party viewer.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.ts';
import '../styles.css';
import './docs.css';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Schema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  example?: unknown;
  description?: string;
  items?: Schema;
  $ref?: string;
  [key: string]: unknown;
}
interface Media {
  schema?: Schema;
  example?: unknown;
}
interface OperationObject {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { description?: string; content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Document {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Schema> };
}

function typeOf(schema: Schema | undefined): string {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop() ?? '';
  if (schema.enum) return schema.enum.map(String).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  return type === 'array' ? `${typeOf(schema.items)}[]` : type;
}

function rules(schema: Schema | undefined): string {
  if (!schema) return '';
  const parts = ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems']
    .filter((key) => schema[key] !== undefined)
    .map((key) => `${key} ${String(schema[key])}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return [schema.description, ...parts].filter(Boolean).join('; ');
}

function exampleUrl(path: string, parameters: Parameter[]): string {
  let url = path;
  const query = new URLSearchParams();
  for (const p of parameters) {
    const example = p.schema?.example;
    if (example === undefined) continue;
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(example)));
    else if (p.in === 'query')
      for (const value of Array.isArray(example) ? example : [example]) query.append(p.name, String(value));
  }
  const text = query.toString();
  return text ? `${url}?${text}` : url;
}

function Operation({ method, path, op }: { method: string; path: string; op: OperationObject }) {
  const parameters = op.parameters ?? [];
  const body = op.requestBody?.content['application/json'];
  const access = op.security
    ? op.security.some((s) => Object.keys(s).length === 0)
      ? 'API key once ADMIN_API_KEY is set'
      : 'admin API key'
    : '';
  return (
    <details class="operation" id={`${method}-${path}`}>
      <summary>
        <span class="method">{method}</span>
        <span class="path">{path}</span>
        <span>{op.summary}</span>
      </summary>
      <div class="body">
        {access && <p>Needs: {access} (X-API-Key or Authorization: Bearer).</p>}
        {parameters.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>parameter</th>
                <th>in</th>
                <th>type</th>
                <th>rules</th>
              </tr>
            </thead>
            <tbody>
              {parameters.map((p) => (
                <tr key={`${p.in}-${p.name}`}>
                  <td class="path">
                    {p.name}
                    {p.required ? ' *' : ''}
                  </td>
                  <td>{p.in}</td>
                  <td>{typeOf(p.schema)}</td>
                  <td>{rules(p.schema)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {method === 'get' && parameters.some((p) => p.schema?.example !== undefined) && (
          <p>
            Example: <code>{exampleUrl(path, parameters)}</code>
          </p>
        )}
        {body && (
          <>
            <h4>Request body{op.requestBody?.description ? `: ${op.requestBody.description}` : ''}</h4>
            {body.example !== undefined && <pre>{JSON.stringify(body.example, null, 2)}</pre>}
            <details>
              <summary>schema</summary>
              <pre>{JSON.stringify(body.schema, null, 2)}</pre>
            </details>
          </>
        )}
        <h4>Responses</h4>
        <table>
          <tbody>
            {Object.entries(op.responses).map(([status, response]) => (
              <tr key={status}>
                <td>{status}</td>
                <td>{response.description}</td>
                <td>
                  {Object.entries(response.content ?? {}).map(
                    ([type, media]) => `${type} ${typeOf(media.schema)}`,
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function DocsPage() {
  const [doc, setDoc] = useState<Document | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<Document>('/openapi.json')
      .then(setDoc)
      .catch((e: unknown) => setError(String(e)));
  }, []);
  if (error) return <main class="docs">Could not load /openapi.json: {error}</main>;
  if (!doc) return <main class="docs">Loading the API description…</main>;
  const byTag = new Map<string, [string, string, OperationObject][]>();
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), [method, path, op]]);
    }
  return (
    <main class="docs">
      <h1>
        {doc.info.title} <small>{doc.info.version}</small>
      </h1>
      <p>{doc.info.description}</p>
      <p>
        Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Search page:{' '}
        <a href="/">/</a>.
      </p>
      <nav>
        {[...byTag.keys()].map((tag) => (
          <a key={tag} href={`#tag-${tag}`}>
            {tag}
          </a>
        ))}
      </nav>
      {[...byTag.entries()].map(([tag, ops]) => (
        <section key={tag} id={`tag-${tag}`}>
          <h2>{tag}</h2>
          {ops.map(([method, path, op]) => (
            <Operation key={`${method} ${path}`} method={method} path={path} op={op} />
          ))}
        </section>
      ))}
      {doc.components?.schemas && (
        <section id="schemas">
          <h2>Schemas</h2>
          {Object.entries(doc.components.schemas).map(([name, schema]) => (
            <details key={name} class="operation">
              <summary>{name}</summary>
              <pre>{JSON.stringify(schema, null, 2)}</pre>
            </details>
          ))}
        </section>
      )}
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<DocsPage />, root);
