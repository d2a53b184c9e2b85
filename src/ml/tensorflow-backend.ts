/**
 * TensorFlow.js with the fastest backend this machine has: CUDA through
 * `@tensorflow/tfjs-node-gpu`, else native CPU through `@tensorflow/tfjs-node`, else
 * `@tensorflow/tfjs` on the WebAssembly backend. The native packages are optional
 * (their install scripts download binaries) and are loaded only if present and working.
 * The plain `cpu` backend is never chosen: it is several times slower than wasm.
 */
import type * as TF from '@tensorflow/tfjs';
import type { BackendPreference } from '../main/config.ts';
import type { Logger } from '../main/logger.ts';

export type Tensorflow = typeof TF;

export interface LoadedTensorflow {
  tf: Tensorflow;
  /** tfjs backend name: `tensorflow` (native, GPU or CPU) or `wasm`. */
  backend: string;
  /** Which package provides it. */
  provider: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node' | '@tensorflow/tfjs-backend-wasm';
  /** CUDA devices seen by the native GPU build (0 elsewhere). */
  gpu: boolean;
}

let loaded: Promise<LoadedTensorflow> | undefined;

async function tryNative(
  name: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node',
): Promise<LoadedTensorflow | undefined> {
  try {
    // A variable specifier keeps bundlers and tsc from requiring the optional package.
    const specifier: string = name;
    const tf = (await import(specifier)) as Tensorflow;
    await tf.ready();
    // One real op proves the native library loads (a missing libcuda fails here).
    tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync());
    return { tf, backend: tf.getBackend(), provider: name, gpu: name === '@tensorflow/tfjs-node-gpu' };
  } catch {
    return undefined;
  }
}

async function loadWasm(): Promise<LoadedTensorflow> {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  return { tf, backend: tf.getBackend(), provider: '@tensorflow/tfjs-backend-wasm', gpu: false };
}

async function load(preference: BackendPreference): Promise<LoadedTensorflow> {
  if (preference === 'auto' || preference === 'gpu') {
    const gpu = await tryNative('@tensorflow/tfjs-node-gpu');
    if (gpu) return gpu;
    if (preference === 'gpu')
      throw new Error('TFJS_BACKEND=gpu but @tensorflow/tfjs-node-gpu is not installed or cannot load CUDA');
  }
  if (preference === 'auto' || preference === 'node') {
    const node = await tryNative('@tensorflow/tfjs-node');
    if (node) return node;
    if (preference === 'node')
      throw new Error('TFJS_BACKEND=node but @tensorflow/tfjs-node is not installed or cannot load');
  }
  return loadWasm();
}

/** Loads TensorFlow.js once per process and logs which backend runs. */
export function loadTensorflow(
  logger?: Logger,
  preference: BackendPreference = 'auto',
): Promise<LoadedTensorflow> {
  loaded ??= load(preference).then((result) => {
    result.tf.enableProdMode();
    logger?.info(
      { backend: result.backend, provider: result.provider, gpu: result.gpu },
      'tensorflow.js backend',
    );
    return result;
  });
  return loaded;
}
