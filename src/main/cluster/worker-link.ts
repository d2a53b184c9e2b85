/**
 * A serving worker's side of the cluster: change notices to and from the other workers,
 * and /metrics answered with every worker's metrics (prom-client's AggregatorRegistry in
 * the primary collects them). Outside a cluster (WORKERS=1) it does nothing and /metrics
 * answers this process's own registry.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { type ChangeTopic, type ClusterMessage, isClusterMessage } from './messages.ts';

/** A scrape that the primary does not answer in this long falls back to this worker's own metrics. */
const METRICS_TIMEOUT_MS = 6_000;

export class WorkerLink {
  private readonly listeners = new Map<ChangeTopic, Array<() => void>>();
  private readonly pendingMetrics = new Map<number, (text: string | undefined) => void>();
  private nextId = 0;
  private registry: Registry | undefined;
  readonly inCluster = cluster.isWorker && typeof process.send === 'function';

  constructor() {
    if (!this.inCluster) return;
    process.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'hybrid-search:changed')
        for (const listener of this.listeners.get(message.topic) ?? []) listener();
      else if (message.type === 'hybrid-search:metrics-response') {
        this.pendingMetrics.get(message.id)?.(message.text);
        this.pendingMetrics.delete(message.id);
      }
    });
  }

  /** The registry this worker's metrics are in (prom-client answers the primary's requests from it). */
  exportMetrics(registry: Registry): void {
    this.registry = registry;
    if (!this.inCluster) return;
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
  }

  /** Tells the other workers (not this one) that `topic` changed. */
  publish(topic: ChangeTopic): void {
    if (this.inCluster) this.send({ type: 'hybrid-search:changed', topic });
  }

  /** Runs `listener` when another worker publishes `topic`. */
  subscribe(topic: ChangeTopic, listener: () => void): void {
    this.listeners.set(topic, [...(this.listeners.get(topic) ?? []), listener]);
  }

  listening(): void {
    if (this.inCluster) this.send({ type: 'hybrid-search:listening' });
  }

  /** Prometheus text for a scrape: every worker's metrics in a cluster, else this process's. */
  async metrics(): Promise<string> {
    const own = () => this.registry?.metrics() ?? Promise.resolve('');
    if (!this.inCluster) return own();
    const id = this.nextId++;
    const text = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pendingMetrics.delete(id);
        resolve(undefined);
      }, METRICS_TIMEOUT_MS);
      this.pendingMetrics.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.send({ type: 'hybrid-search:metrics-request', id });
    });
    // A worker that died mid-scrape: this one's own metrics rather than a failed scrape.
    return text ?? own();
  }

  private send(message: ClusterMessage): void {
    if (process.connected) process.send?.(message);
  }
}
