/**
 * Sentence embeddings from any model in the ONNX layout transformers.js reads
 * (`Xenova/all-MiniLM-L6-v2`, `Xenova/multilingual-e5-small`, …), through
 * @huggingface/transformers and its bundled CPU onnxruntime. Models load from the local
 * models directory; the model hub is used only when remote models are allowed.
 */
import path from 'node:path';
import type { TransformersDtype } from '../main/config.ts';
import type { Embedder, EmbedKind } from './embedder.ts';

export interface TransformersEmbedderOptions {
  /** Model id, also its folder under `localModelPath` (e.g. `Xenova/all-MiniLM-L6-v2`). */
  model: string;
  /** Folder holding local models (`<dir>/<model>/config.json`, `onnx/model.onnx`, …). */
  localModelPath: string;
  allowRemoteModels: boolean;
  /** Weights to load: fp32 = onnx/model.onnx, q8 = onnx/model_quantized.onnx, … */
  dtype: TransformersDtype;
  pooling: 'mean' | 'cls';
  /** Prefixes for models trained with them (e5: `query: ` and `passage: `). */
  queryPrefix: string;
  passagePrefix: string;
  batchSize: number;
}

/** e5 models expect `query: ` / `passage: ` prefixes; others expect none. */
export function defaultPrefixes(model: string): { queryPrefix: string; passagePrefix: string } {
  return /(^|[/-])e5([/-]|$)/i.test(model)
    ? { queryPrefix: 'query: ', passagePrefix: 'passage: ' }
    : { queryPrefix: '', passagePrefix: '' };
}

type Extractor = (
  texts: string[],
  options: { pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<{ dims: number[]; data: Float32Array }>;

export class TransformersEmbedder implements Embedder {
  readonly id: string;

  private constructor(
    private readonly extractor: Extractor,
    readonly dimensions: number,
    private readonly options: TransformersEmbedderOptions,
  ) {
    this.id = `transformers:${options.model}:${options.dtype}:${options.pooling}`;
  }

  static async load(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const transformers = await import('@huggingface/transformers');
    transformers.env.localModelPath = `${path.resolve(options.localModelPath)}${path.sep}`;
    transformers.env.allowLocalModels = true;
    transformers.env.allowRemoteModels = options.allowRemoteModels;
    const pipe = await transformers.pipeline('feature-extraction', options.model, {
      dtype: options.dtype,
      local_files_only: !options.allowRemoteModels,
    });
    const extractor: Extractor = async (texts, extractOptions) => {
      const tensor = await pipe(texts, extractOptions);
      return { dims: tensor.dims, data: tensor.data as Float32Array };
    };
    const probe = await extractor(['probe'], { pooling: options.pooling, normalize: true });
    return new TransformersEmbedder(extractor, probe.dims.at(-1)!, options);
  }

  async embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array[]> {
    const prefix = kind === 'query' ? this.options.queryPrefix : this.options.passagePrefix;
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.options.batchSize) {
      const batch = texts.slice(start, start + this.options.batchSize).map((t) => prefix + t);
      const { data } = await this.extractor(batch, { pooling: this.options.pooling, normalize: true });
      for (let i = 0; i < batch.length; i++)
        out.push(data.slice(i * this.dimensions, (i + 1) * this.dimensions));
    }
    return out;
  }
}
