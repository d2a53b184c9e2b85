/** `experiments report`: the winner of each experiment in mappings/experiments.yaml, with its test. */
import { experimentReport } from '../../experiments/experiment-report.ts';
import { loadConfig } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import { createRuntime } from '../../main/runtime.ts';
import { printJson } from '../print.ts';

export async function experimentsReport(options: { id?: string }): Promise<void> {
  const runtime = await createRuntime(loadConfig());
  try {
    const { alpha, experiments } = runtime.mappings.current.experiments;
    const chosen = options.id ? experiments.filter((e) => e.id === options.id) : experiments;
    if (options.id && chosen.length === 0)
      throw new ServiceError(
        'invalid_request',
        `no experiment "${options.id}" in experiments.yaml; experiments are ${experiments.map((e) => e.id).join(', ') || 'none'}`,
      );
    await runtime.eventStore.flush();
    const reports = [];
    for (const experiment of chosen)
      reports.push(await experimentReport(runtime.eventStore, experiment, alpha));
    printJson({ experiments: reports });
  } finally {
    await runtime.close();
  }
}
