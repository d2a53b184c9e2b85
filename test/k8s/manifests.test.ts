/**
 * The Kubernetes manifests (k8s/) against the code they deploy: every kustomization builds
 * from files that exist, containers run real CLI commands, the CronJobs match
 * mappings/jobs.yaml, probes and the metrics endpoint are routes the app serves, the
 * environment passes the service's own configuration schema, and the monitoring resources
 * name real metrics and ports. Kustomize itself is not needed: a small strategic-merge
 * builder below resolves the overlays (the parts of kustomize these manifests use).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { type AppServices, createApp } from '../../src/api/app.ts';
import { JOB_NAMES } from '../../src/jobs/job-store.ts';
import { loadConfig } from '../../src/main/config.ts';
import { createLogger } from '../../src/main/logger.ts';
import { Metrics } from '../../src/metrics/metrics.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
type Manifest = Record<string, any>;

const ROOT = path.resolve(import.meta.dirname, '../..');
const K8S = path.join(ROOT, 'k8s');
const SCRIPTS_MOUNT = '/opt/hybrid-search-k8s';

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

function documents(file: string): Manifest[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest;
  });
}

// ---- a minimal kustomize -----------------------------------------------------------------

function isObject(value: unknown): value is Manifest {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The list merge keys of the strategic merge patches used here (containers, env, volumes, ...). */
function mergeKey(items: unknown[]): string | undefined {
  const first = items.find(isObject);
  if (!first) return undefined;
  return ['mountPath', 'name', 'containerPort'].find((key) => key in first);
}

function strategicMerge(base: unknown, patch: unknown): unknown {
  if (patch === null) return undefined;
  if (Array.isArray(base) && Array.isArray(patch)) {
    const key = mergeKey(patch) ?? mergeKey(base);
    if (!key) return patch;
    const merged = [...base];
    for (const item of patch) {
      const at = merged.findIndex((existing) => isObject(existing) && existing[key] === item[key]);
      if (at >= 0) merged[at] = strategicMerge(merged[at], item);
      else merged.push(item);
    }
    return merged;
  }
  if (isObject(base) && isObject(patch)) {
    const merged: Manifest = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      const next = strategicMerge(base[key], value);
      if (next === undefined) delete merged[key];
      else merged[key] = next;
    }
    return merged;
  }
  return patch;
}

interface Build {
  resources: Manifest[];
  /** Generated ConfigMaps: name -> data (literals and files). */
  configMaps: Map<string, Record<string, string>>;
}

function kustomization(dir: string): Manifest {
  return parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Manifest;
}

function build(dir: string): Build {
  const k = kustomization(dir);
  const out: Build = { resources: [], configMaps: new Map() };
  for (const resource of (k.resources ?? []) as string[]) {
    const target = path.join(dir, resource);
    if (fs.statSync(target).isDirectory()) {
      const inner = build(target);
      out.resources.push(...inner.resources);
      for (const [name, data] of inner.configMaps) out.configMaps.set(name, data);
    } else {
      out.resources.push(...documents(target));
    }
  }
  for (const patch of (k.patches ?? []) as Manifest[]) {
    const body = (
      patch.path ? parse(fs.readFileSync(path.join(dir, patch.path), 'utf8')) : parse(patch.patch)
    ) as Manifest;
    const at = out.resources.findIndex((r) => r.kind === body.kind && r.metadata.name === body.metadata.name);
    expect(at, `${dir}: patch target ${body.kind}/${body.metadata.name}`).toBeGreaterThanOrEqual(0);
    if (body.$patch === 'delete') out.resources.splice(at, 1);
    else out.resources[at] = strategicMerge(out.resources[at], body) as Manifest;
  }
  for (const generator of (k.configMapGenerator ?? []) as Manifest[]) {
    const data: Record<string, string> =
      generator.behavior === 'merge' ? { ...out.configMaps.get(generator.name) } : {};
    for (const literal of (generator.literals ?? []) as string[]) {
      const [key, ...value] = literal.split('=');
      data[key!] = value.join('=');
    }
    for (const file of (generator.files ?? []) as string[]) {
      data[path.basename(file)] = fs.readFileSync(path.join(dir, file), 'utf8');
    }
    out.configMaps.set(generator.name, data);
  }
  return out;
}

function find(setup: Build, kind: string, name?: string): Manifest[] {
  return setup.resources.filter((r) => r.kind === kind && (name === undefined || r.metadata.name === name));
}

function only(setup: Build, kind: string, name: string): Manifest {
  const found = find(setup, kind, name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0]!;
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** Pod templates of Deployments and CronJobs, with where they come from. */
function podTemplates(setup: Build): { owner: Manifest; template: Manifest }[] {
  return setup.resources.flatMap((r) => {
    if (r.kind === 'Deployment') return [{ owner: r, template: r.spec.template }];
    if (r.kind === 'CronJob') return [{ owner: r, template: r.spec.jobTemplate.spec.template }];
    return [];
  });
}

function containersOf(template: Manifest): Manifest[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers];
}

/** The environment a container sees: its ConfigMaps (envFrom) and env, secrets as placeholders. */
function environment(setup: Build, container: Manifest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of (container.envFrom ?? []) as Manifest[]) {
    const data = setup.configMaps.get(source.configMapRef.name);
    expect(data, `ConfigMap ${source.configMapRef.name}`).toBeDefined();
    Object.assign(env, data);
  }
  for (const variable of (container.env ?? []) as Manifest[]) {
    env[variable.name] = variable.valueFrom?.secretKeyRef ? 's'.repeat(32) : String(variable.value);
  }
  return env;
}

/** The volume mounted at `dir` or above it. */
function volumeFor(template: Manifest, container: Manifest, dir: string): Manifest | undefined {
  const mount = ((container.volumeMounts ?? []) as Manifest[])
    .filter((m) => dir === m.mountPath || dir.startsWith(`${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return mount && (template.spec.volumes as Manifest[]).find((v) => v.name === mount.name);
}

// ---- the CLI's commands, from src/cli/index.ts (importing it would run it) ----------------------

const cliSource = read('src/cli/index.ts');
const topCommands = new Set([...cliSource.matchAll(/program\s*\.command\('([\w-]+)'\)/g)].map((m) => m[1]!));
const subCommands = new Map<string, Set<string>>();
for (const [, variable, group] of cliSource.matchAll(/const (\w+) = program\s*\.command\('([\w-]+)'\)/g)) {
  const pattern = new RegExp(`\\b${variable}\\s*\\.command\\('([\\w-]+)'\\)`, 'g');
  subCommands.set(group!, new Set([...cliSource.matchAll(pattern)].map((m) => m[1]!)));
}

/** `hybrid-search ...` invocations of a container: its command/args, or those in its shell script. */
function cliInvocations(container: Manifest): string[][] {
  const argv = [...(container.command ?? []), ...(container.args ?? [])] as string[];
  if (argv[0] === 'hybrid-search') return [argv.slice(1)];
  // The compiled CLI run by Node directly is the same command line.
  if (argv[0] === 'node' && argv[1] === '/app/dist/cli/index.js') return [argv.slice(2)];
  return [
    ...argv.join('\n').matchAll(/(?<![\w/.-])hybrid-search[ \t]+([a-z][\w-]*(?:[ \t]+[a-z][\w-]*)*)/g),
  ].map((m) => m[1]!.split(/[ \t]+/));
}

function expectRealCommand(words: string[], where: string): void {
  const [command, sub, argument] = words;
  expect(topCommands, `${where}: hybrid-search ${words.join(' ')}`).toContain(command);
  const subs = subCommands.get(command!);
  if (subs) expect(subs, `${where}: hybrid-search ${words.join(' ')}`).toContain(sub);
  if (command === 'jobs' && sub === 'run') expect(JOB_NAMES, where).toContain(argument);
}

// ---- the setups ---------------------------------------------------------------------------

const jobsSettings = parse(read('mappings/jobs.yaml')) as {
  timezone: string;
  jobs: Record<string, { schedule: string; enabled: boolean }>;
};
const embedded = build(K8S);
const elasticsearch = build(path.join(K8S, 'elasticsearch'));
const monitoring = build(path.join(K8S, 'monitoring'));
const setups = { embedded, elasticsearch } as const;

function stubApp() {
  const run = { id: 'run-1', job: 'suggestions', trigger: 'api', status: 'running' };
  const services = {
    backend: { kind: 'elasticsearch', isReady: async () => true },
    metrics: new Metrics(),
    logger: createLogger('silent'),
    limits: loadConfig({}).http,
    admin: {
      apiKey: 'k'.repeat(32),
      runner: { start: async () => ({ run, done: Promise.resolve(run) }), running: () => [] },
      store: { runs: async () => [{ ...run, status: 'succeeded', counts: { suggestions: 3 } }] },
      scheduler: { describe: () => [] },
      schedulerEnabled: false,
    },
    console: { models: {}, mappingsFiles: {}, quality: {} },
  };
  return createApp(services as unknown as AppServices);
}

describe('k8s manifests', () => {
  it('parse, and every document is a named Kubernetes object', () => {
    for (const file of yamlFiles(K8S)) {
      for (const doc of documents(file)) {
        expect(doc.apiVersion, file).toEqual(expect.any(String));
        expect(doc.kind, file).toEqual(expect.any(String));
        if (doc.kind !== 'Kustomization') expect(doc.metadata?.name, file).toEqual(expect.any(String));
      }
    }
  });

  it('kustomizations refer only to files that exist', () => {
    const dirs = yamlFiles(K8S)
      .filter((file) => path.basename(file) === 'kustomization.yaml')
      .map(path.dirname);
    expect(dirs.length).toBeGreaterThanOrEqual(4);
    for (const dir of dirs) {
      const k = kustomization(dir);
      const paths = [
        ...(k.resources ?? []),
        ...(k.components ?? []),
        ...((k.patches ?? []) as Manifest[]).flatMap((p) => (p.path ? [p.path] : [])),
        ...((k.configMapGenerator ?? []) as Manifest[]).flatMap((g) => g.files ?? []),
      ] as string[];
      for (const entry of paths) {
        const target = path.join(dir, entry);
        expect(fs.existsSync(target), `${dir}: ${entry}`).toBe(true);
        if (fs.statSync(target).isDirectory()) {
          expect(fs.existsSync(path.join(target, 'kustomization.yaml')), `${dir}: ${entry}`).toBe(true);
        }
      }
    }
  });

  it('keep the Prometheus Operator resources out of the default setups', () => {
    for (const setup of Object.values(setups)) {
      expect(setup.resources.filter((r) => String(r.apiVersion).startsWith('monitoring.coreos.com'))).toEqual(
        [],
      );
    }
  });

  it('run real CLI commands in every container', () => {
    for (const setup of Object.values(setups)) {
      for (const { owner, template } of podTemplates(setup)) {
        for (const container of containersOf(template)) {
          for (const words of cliInvocations(container)) {
            expectRealCommand(words, `${owner.kind}/${owner.metadata.name}/${container.name}`);
          }
        }
      }
    }
    const search = only(elasticsearch, 'Deployment', 'hybrid-search').spec.template.spec.containers[0];
    expect(cliInvocations(search)).toEqual([['serve']]);
  });

  it('run only helper scripts that are in the mounted scripts ConfigMap', () => {
    for (const setup of Object.values(setups)) {
      for (const { owner, template } of podTemplates(setup)) {
        for (const container of containersOf(template)) {
          const text = JSON.stringify(container);
          for (const [, file] of text.matchAll(/\/opt\/hybrid-search-k8s\/([\w.-]+)/g)) {
            const where = `${owner.metadata.name}/${container.name}: ${file}`;
            const mount = (container.volumeMounts as Manifest[]).find((m) => m.mountPath === SCRIPTS_MOUNT);
            expect(mount, where).toBeDefined();
            const volume = (template.spec.volumes as Manifest[]).find((v) => v.name === mount!.name);
            expect(setup.configMaps.get(volume!.configMap.name), where).toHaveProperty([file!]);
          }
        }
      }
    }
  });

  it('give every container an environment the service accepts', () => {
    for (const [name, setup] of Object.entries(setups)) {
      for (const { owner, template } of podTemplates(setup)) {
        for (const container of containersOf(template)) {
          if (cliInvocations(container).length === 0) continue;
          const config = loadConfig(environment(setup, container));
          const where = `${name}: ${owner.metadata.name}/${container.name}`;
          expect(config.searchBackend, where).toBe(name === 'embedded' ? 'embedded' : 'elasticsearch');
          // Every directory the service reads or writes is a mounted volume.
          const dirs = [config.dataDir, config.mappingsDir, config.modelsDir];
          if (config.elasticsearch) {
            dirs.push(config.elasticsearch.mappingsDir, path.dirname(config.elasticsearch.caCertFile!));
          }
          for (const dir of dirs)
            expect(volumeFor(template, container, dir), `${where}: ${dir}`).toBeDefined();
        }
      }
    }
  });

  it('take the secrets from Secrets that the READMEs say how to create', () => {
    const docs = read('k8s/README.md') + read('k8s/elasticsearch/README.md');
    for (const setup of Object.values(setups)) {
      for (const { template } of podTemplates(setup)) {
        for (const container of containersOf(template)) {
          for (const variable of (container.env ?? []) as Manifest[]) {
            const ref = variable.valueFrom?.secretKeyRef;
            if (/KEY|SECRET|PASSWORD/.test(variable.name)) expect(ref, variable.name).toBeDefined();
            if (!ref) continue;
            expect(docs).toContain(`create secret generic ${ref.name}`);
            expect(docs).toContain(`${ref.key}=`);
          }
        }
      }
    }
  });

  it('route the Service to the pods, by port name', () => {
    for (const setup of Object.values(setups)) {
      const service = only(setup, 'Service', 'hybrid-search');
      const deployment = only(setup, 'Deployment', 'hybrid-search');
      expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
      expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
        true,
      );
      const ports = (deployment.spec.template.spec.containers[0].ports as Manifest[]).map((p) => p.name);
      for (const port of service.spec.ports as Manifest[]) expect(ports).toContain(port.targetPort);
    }
  });

  describe('probes and metrics', () => {
    const app = stubApp();

    it('probe routes the app serves, on a named container port', async () => {
      for (const setup of Object.values(setups)) {
        const container = only(setup, 'Deployment', 'hybrid-search').spec.template.spec.containers[0];
        const ports = (container.ports as Manifest[]).map((p) => p.name);
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
          const { path: probePath, port } = container[probe].httpGet;
          expect(ports, probe).toContain(port);
          await request(app).get(probePath).expect(200);
        }
      }
    });

    it('annotate the pods for annotation-based scraping of /metrics', async () => {
      for (const setup of Object.values(setups)) {
        const template = only(setup, 'Deployment', 'hybrid-search').spec.template;
        const annotations = template.metadata.annotations;
        expect(annotations['prometheus.io/scrape']).toBe('true');
        expect(annotations['prometheus.io/path']).toBe('/metrics');
        const http = (template.spec.containers[0].ports as Manifest[]).find((p) => p.name === 'http');
        expect(annotations['prometheus.io/port']).toBe(String(http!.containerPort));
        const res = await request(app).get(annotations['prometheus.io/path']).expect(200);
        expect(res.text).toContain('http_request_duration_seconds');
      }
    });

    it('ServiceMonitor scrapes /metrics on the port of exactly one Service', () => {
      const monitor = only(monitoring, 'ServiceMonitor', 'hybrid-search');
      for (const setup of Object.values(setups)) {
        const services = find(setup, 'Service').filter((s) =>
          matches(monitor.spec.selector.matchLabels, s.metadata.labels),
        );
        expect(services.map((s) => s.metadata.name)).toEqual(['hybrid-search']);
        const portNames = (services[0]!.spec.ports as Manifest[]).map((p) => p.name);
        for (const endpoint of monitor.spec.endpoints as Manifest[]) {
          expect(endpoint.path).toBe('/metrics');
          expect(portNames).toContain(endpoint.port);
        }
      }
    });

    it('alert rules use metrics the service exposes', async () => {
      const exposed = new Set<string>();
      for (const metric of await new Metrics().registry.getMetricsAsJSON()) {
        exposed.add(metric.name);
        if (String(metric.type) === 'histogram')
          for (const suffix of ['_bucket', '_count', '_sum']) exposed.add(metric.name + suffix);
      }
      const rules = only(monitoring, 'PrometheusRule', 'hybrid-search').spec.groups.flatMap(
        (g: Manifest) => g.rules,
      );
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules as Manifest[]) {
        const selected = [...String(rule.expr).matchAll(/\b([a-z_][a-z0-9_]*)\s*\{/g)].map((m) => m[1]!);
        expect(selected.length, rule.alert).toBeGreaterThan(0);
        for (const name of selected) {
          if (name === 'up' || name.startsWith('kube_')) continue; // Prometheus and kube-state-metrics
          expect(exposed, `${rule.alert}: ${name}`).toContain(name);
        }
      }
    });
  });

  describe('embedded setup', () => {
    it('is one replica on a ReadWriteOnce volume, and the service schedules the jobs', () => {
      const deployment = only(embedded, 'Deployment', 'hybrid-search');
      expect(deployment.spec.replicas).toBe(1);
      expect(deployment.spec.strategy.type).toBe('Recreate');
      expect(find(embedded, 'CronJob')).toEqual([]);
      expect(find(embedded, 'HorizontalPodAutoscaler')).toEqual([]);
      const container = deployment.spec.template.spec.containers[0];
      const config = loadConfig(environment(embedded, container));
      expect(config.jobsScheduler).toBe(true);
      // The store and the models (the encoder the index was built with) survive restarts.
      for (const dir of [config.dataDir, config.modelsDir]) {
        const volume = volumeFor(deployment.spec.template, container, dir);
        const claim = only(embedded, 'PersistentVolumeClaim', volume!.persistentVolumeClaim.claimName);
        expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
      }
    });
  });

  describe('elasticsearch overlay', () => {
    const deployment = only(elasticsearch, 'Deployment', 'hybrid-search');
    const search = deployment.spec.template.spec.containers[0] as Manifest;
    const cronJobs = find(elasticsearch, 'CronJob');
    const jobOf = (cronJob: Manifest) => cronJob.metadata.labels['app.kubernetes.io/component'] as string;
    const podLabels = deployment.spec.template.metadata.labels;

    it('switches the in-service scheduler off', () => {
      expect(loadConfig(environment(elasticsearch, search)).jobsScheduler).toBe(false);
    });

    it('has one CronJob per job of mappings/jobs.yaml, on its schedule', () => {
      expect(cronJobs.map(jobOf).sort()).toEqual(Object.keys(jobsSettings.jobs).sort());
      expect([...JOB_NAMES].sort()).toEqual(Object.keys(jobsSettings.jobs).sort());
      for (const cronJob of cronJobs) {
        const job = jobOf(cronJob);
        const { spec } = cronJob;
        expect(cronJob.metadata.name).toBe(`hybrid-search-${job}`);
        expect(spec.schedule, job).toBe(jobsSettings.jobs[job]!.schedule);
        expect(spec.timeZone, job).toBe(jobsSettings.timezone);
        expect(spec.suspend ?? false, job).toBe(!jobsSettings.jobs[job]!.enabled);
        expect(spec.concurrencyPolicy, job).toBe('Forbid');
        expect(spec.successfulJobsHistoryLimit, job).toEqual(expect.any(Number));
        expect(spec.failedJobsHistoryLimit, job).toEqual(expect.any(Number));
        expect(spec.jobTemplate.spec.backoffLimit, job).toEqual(expect.any(Number));
        expect(spec.jobTemplate.spec.activeDeadlineSeconds, job).toEqual(expect.any(Number));
        const pod = spec.jobTemplate.spec.template;
        expect(['Never', 'OnFailure']).toContain(pod.spec.restartPolicy);
        for (const container of pod.spec.containers as Manifest[]) {
          expect(container.resources.requests, job).toBeDefined();
          expect(container.resources.limits?.memory, job).toBeDefined();
        }
      }
    });

    it('runs each job: `jobs run <job>`, or in every pod through the admin API', () => {
      for (const cronJob of cronJobs) {
        const job = jobOf(cronJob);
        const [container] = cronJob.spec.jobTemplate.spec.template.spec.containers as Manifest[];
        const runs = cliInvocations(container!).filter(
          ([command, sub]) => command === 'jobs' && sub === 'run',
        );
        if (runs.length > 0) {
          expect(runs, job).toEqual([['jobs', 'run', job]]);
          continue;
        }
        // The suggestions live per pod: the CronJob asks each pod to run the job.
        const script = String(container!.command.join(' ')).match(/\/opt\/hybrid-search-k8s\/([\w.-]+)/)?.[1];
        const source = read(`k8s/elasticsearch/scripts/${script}`);
        expect(source, job).toContain(`const JOB = '${job}'`);
        expect(source).toContain('/v1/admin/jobs/');
      }
    });

    it('gives the `jobs run` CronJobs the environment and volumes of the search pods', () => {
      const mounts = (search.volumeMounts as Manifest[]).filter((m) => m.mountPath !== SCRIPTS_MOUNT);
      const volumes = deployment.spec.template.spec.volumes as Manifest[];
      for (const cronJob of cronJobs) {
        const pod = cronJob.spec.jobTemplate.spec.template.spec;
        const [container] = pod.containers as Manifest[];
        if (!cliInvocations(container!).some(([command]) => command === 'jobs')) continue;
        const where = cronJob.metadata.name;
        expect(container!.image, where).toBe(search.image);
        expect(container!.envFrom, where).toEqual(search.envFrom);
        for (const variable of search.env as Manifest[])
          expect(container!.env, where).toContainEqual(variable);
        for (const mount of mounts) {
          expect(container!.volumeMounts, where).toContainEqual(mount);
          const ours = (pod.volumes as Manifest[]).find((v) => v.name === mount.name);
          expect(ours, `${where}: ${mount.name}`).toEqual(volumes.find((v) => v.name === mount.name));
        }
      }
    });

    it('keeps the CronJob pods out of the Service, the Deployment and the disruption budget', () => {
      const selectors = [
        only(elasticsearch, 'Service', 'hybrid-search').spec.selector,
        deployment.spec.selector.matchLabels,
        only(elasticsearch, 'PodDisruptionBudget', 'hybrid-search').spec.selector.matchLabels,
      ];
      for (const cronJob of cronJobs) {
        const labels = cronJob.spec.jobTemplate.spec.template.metadata.labels;
        for (const selector of selectors)
          expect(matches(selector, labels), cronJob.metadata.name).toBe(false);
      }
    });

    it('shares one ReadWriteMany models volume between the pods and the CronJobs', () => {
      const modelsDir = loadConfig(environment(elasticsearch, search)).modelsDir;
      const volume = volumeFor(deployment.spec.template, search, modelsDir);
      const claim = only(elasticsearch, 'PersistentVolumeClaim', volume!.persistentVolumeClaim.claimName);
      expect(claim.spec.accessModes).toContain('ReadWriteMany');
      for (const cronJob of cronJobs) {
        const template = cronJob.spec.jobTemplate.spec.template;
        const [container] = template.spec.containers as Manifest[];
        if (!cliInvocations(container!).some(([command]) => command === 'jobs')) continue;
        expect(volumeFor(template, container!, modelsDir), cronJob.metadata.name).toEqual(volume);
      }
      // The search pods keep no SQLite store of their own.
      expect(find(elasticsearch, 'PersistentVolumeClaim', 'search-data')).toEqual([]);
      expect(volumeFor(deployment.spec.template, search, '/data')).toEqual({ name: 'data', emptyDir: {} });
    });

    it('lets the retrain CronJob restart the Deployment, and nothing more', () => {
      const retrain = only(elasticsearch, 'CronJob', 'hybrid-search-retrain').spec.jobTemplate.spec.template
        .spec;
      const account = only(elasticsearch, 'ServiceAccount', retrain.serviceAccountName);
      const binding = find(elasticsearch, 'RoleBinding').find((b) =>
        (b.subjects as Manifest[]).some(
          (s) => s.kind === 'ServiceAccount' && s.name === account.metadata.name,
        ),
      );
      const role = only(elasticsearch, 'Role', binding!.roleRef.name);
      expect(role.rules).toEqual([
        {
          apiGroups: ['apps'],
          resources: ['deployments'],
          resourceNames: ['hybrid-search'],
          verbs: ['get', 'patch'],
        },
      ]);
    });

    it('autoscales the Deployment, which sets no replica count, within its disruption budget', () => {
      const hpa = only(elasticsearch, 'HorizontalPodAutoscaler', 'hybrid-search');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
      expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
      expect(search.resources.requests.cpu).toBeDefined(); // utilization is relative to it
      expect(deployment.spec.replicas).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      const pdb = only(elasticsearch, 'PodDisruptionBudget', 'hybrid-search');
      expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
      expect(pdb.spec.maxUnavailable).toBeLessThan(hpa.spec.minReplicas);
    });
  });

  describe.concurrent('refresh-suggestions.mjs against the admin API', () => {
    const script = path.join(K8S, 'elasticsearch/scripts/refresh-suggestions.mjs');
    let server: ReturnType<ReturnType<typeof stubApp>['listen']>;
    let port: number;

    beforeAll(async () => {
      server = stubApp().listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => server.close());

    const run = (args: string[], env: Record<string, string>) =>
      promisify(execFile)(process.execPath, [script, ...args], {
        env: { PATH: process.env.PATH, PEERS_PORT: String(port), REFRESH_POLL_MS: '20', ...env },
        timeout: 10_000,
      });

    it('runs the job in every pod and waits for its end', async () => {
      const { stdout } = await run([], { PEERS_HOST: '127.0.0.1', ADMIN_API_KEY: 'k'.repeat(32) });
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines).toEqual([
        expect.objectContaining({ pod: '127.0.0.1', outcome: 'succeeded', run: 'run-1' }),
      ]);
    });

    it('fails the CronJob when a pod refuses', async () => {
      await expect(
        run([], { PEERS_HOST: '127.0.0.1', ADMIN_API_KEY: 'wrong-key-wrong-key' }),
      ).rejects.toMatchObject({
        code: 1,
      });
    });

    it('starts the job on its own pod as a postStart hook', async () => {
      const { stdout } = await run(['--local'], { PORT: String(port), ADMIN_API_KEY: 'k'.repeat(32) });
      expect(JSON.parse(stdout)).toMatchObject({ outcome: 'started', run: 'run-1' });
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');

    it('builds the image the manifests run', () => {
      expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim\b/m);
      expect(dockerfile).toMatch(/npm ci\b/);
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toMatch(/^CMD \["node", "\/app\/dist\/cli\/index.js", "serve"\]$/m);
      expect(dockerfile).toMatch(/node scripts\/build.mjs/);
      const exposed = dockerfile.match(/^EXPOSE (\d+)$/m)?.[1];
      for (const setup of Object.values(setups)) {
        const container = only(setup, 'Deployment', 'hybrid-search').spec.template.spec.containers[0];
        expect(String(container.ports[0].containerPort)).toBe(exposed);
        expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
      }
      const ignored = read('.dockerignore').split('\n');
      for (const entry of ['node_modules', 'data', '.git']) expect(ignored).toContain(entry);
    });
  });
});
