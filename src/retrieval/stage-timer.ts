/** Per-stage wall-clock timings of one request, reported as `took.stages` (milliseconds). */
export class StageTimer {
  private readonly started = performance.now();
  readonly stages: Record<string, number> = {};

  async time<T>(stage: string, run: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.record(stage, performance.now() - start);
    }
  }

  record(stage: string, ms: number): void {
    this.stages[stage] = Math.round(((this.stages[stage] ?? 0) + ms) * 1000) / 1000;
  }

  get totalMs(): number {
    return Math.round((performance.now() - this.started) * 1000) / 1000;
  }
}
