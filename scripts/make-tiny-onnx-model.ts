/**
 * Writes a tiny sentence-embedding model in the layout transformers.js reads, so the real
 * loading path (@huggingface/transformers + onnxruntime) is exercised without a model hub:
 *   <dir>/config.json, tokenizer.json, tokenizer_config.json,
 *   <dir>/onnx/model.onnx (fp32) and onnx/model_quantized.onnx (int8 weights, q8)
 * The graph is BERT-shaped: input_ids, attention_mask, token_type_ids -> last_hidden_state,
 * computed as tanh(word_embedding[input_ids] + type_embedding[token_type_ids]). Mean
 * pooling over it gives vectors in which texts sharing words are close.
 *   npx tsx scripts/make-tiny-onnx-model.ts <dir>
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { demoCatalog } from '../src/catalog/demo-catalog.ts';
import { seededRandom } from '../src/ml/seeded-random.ts';

const { onnx } = onnxProto;

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

export interface TinyModelOptions {
  hiddenSize?: number;
  seed?: number;
}

/** Vocabulary: special tokens, single characters (so nothing is unknown), catalog words. */
function buildVocabulary(): string[] {
  const words = new Set<string>();
  const characters = new Set<string>('abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
  for (const product of demoCatalog()) {
    const text = `${product.title} ${product.brand ?? ''} ${product.description ?? ''}`.toLowerCase();
    for (const word of text.match(/[\p{L}\p{N}]+/gu) ?? []) {
      if (/^[a-z0-9]+$/.test(word)) words.add(word);
      else for (const ch of word) characters.add(ch); // CJK: one token per character, as BERT does
    }
  }
  const subwords = [...characters].map((c) => `##${c}`);
  return [...SPECIAL_TOKENS, ...[...characters].sort(), ...subwords.sort(), ...[...words].sort()];
}

function tokenizerJson(vocab: string[]): unknown {
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: 128, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
    },
  };
}

function floatTensor(name: string, dims: number[], values: Float32Array): OnnxTypes.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer.slice(0)),
  };
}

function dynamicInput(name: string, elemType: number, shape: (string | number)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/**
 * The graph. `quantized` stores the word embeddings as int8 with a scale and dequantizes
 * them in the graph (DequantizeLinear), like transformers.js' q8 model files.
 */
function buildModel(
  wordEmbeddings: Float32Array,
  typeEmbeddings: Float32Array,
  vocabSize: number,
  hidden: number,
  quantized: boolean,
) {
  const INT64 = onnx.TensorProto.DataType.INT64;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const initializers: OnnxTypes.ITensorProto[] = [
    floatTensor('type_embeddings', [2, hidden], typeEmbeddings),
  ];
  const nodes: OnnxTypes.INodeProto[] = [];
  if (quantized) {
    let max = 0;
    for (const v of wordEmbeddings) max = Math.max(max, Math.abs(v));
    const scale = max / 127;
    const q = Int8Array.from(wordEmbeddings, (v) => Math.round(v / scale));
    initializers.push(
      {
        name: 'word_embeddings_q',
        dims: [vocabSize, hidden],
        dataType: onnx.TensorProto.DataType.INT8,
        rawData: new Uint8Array(q.buffer),
      },
      floatTensor('word_scale', [], Float32Array.of(scale)),
      {
        name: 'word_zero_point',
        dims: [],
        dataType: onnx.TensorProto.DataType.INT8,
        rawData: new Uint8Array(1),
      },
    );
    nodes.push({
      opType: 'DequantizeLinear',
      input: ['word_embeddings_q', 'word_scale', 'word_zero_point'],
      output: ['word_embeddings'],
    });
  } else {
    initializers.push(floatTensor('word_embeddings', [vocabSize, hidden], wordEmbeddings));
  }
  nodes.push(
    {
      opType: 'Gather',
      input: ['word_embeddings', 'input_ids'],
      output: ['words'],
      attribute: [{ name: 'axis', i: 0, type: onnx.AttributeProto.AttributeType.INT }],
    },
    {
      opType: 'Gather',
      input: ['type_embeddings', 'token_type_ids'],
      output: ['types'],
      attribute: [{ name: 'axis', i: 0, type: onnx.AttributeProto.AttributeType.INT }],
    },
    { opType: 'Add', input: ['words', 'types'], output: ['summed'] },
    { opType: 'Tanh', input: ['summed'], output: ['last_hidden_state'] },
  );
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'hybrid-search/make-tiny-onnx-model',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny_sentence_encoder',
      node: nodes,
      initializer: initializers,
      input: [
        dynamicInput('input_ids', INT64, ['batch', 'sequence']),
        dynamicInput('attention_mask', INT64, ['batch', 'sequence']),
        dynamicInput('token_type_ids', INT64, ['batch', 'sequence']),
      ],
      output: [dynamicInput('last_hidden_state', FLOAT, ['batch', 'sequence', hidden])],
    },
  }).finish();
}

export function writeTinyOnnxModel(
  dir: string,
  options: TinyModelOptions = {},
): { vocabSize: number; hiddenSize: number } {
  const hidden = options.hiddenSize ?? 32;
  const random = seededRandom(options.seed ?? 7);
  const vocab = buildVocabulary();
  const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const wordEmbeddings = Float32Array.from({ length: vocab.length * hidden }, () => 0.5 * gaussian());
  const typeEmbeddings = Float32Array.from({ length: 2 * hidden }, () => 0.05 * gaussian());
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'onnx', 'model.onnx'),
    buildModel(wordEmbeddings, typeEmbeddings, vocab.length, hidden, false),
  );
  fs.writeFileSync(
    path.join(dir, 'onnx', 'model_quantized.onnx'),
    buildModel(wordEmbeddings, typeEmbeddings, vocab.length, hidden, true),
  );
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab)));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 128,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: hidden,
      vocab_size: vocab.length,
      max_position_embeddings: 128,
      type_vocab_size: 2,
      num_hidden_layers: 0,
      num_attention_heads: 1,
      pad_token_id: 0,
    }),
  );
  return { vocabSize: vocab.length, hiddenSize: hidden };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npx tsx scripts/make-tiny-onnx-model.ts <dir>');
    process.exit(1);
  }
  console.log(writeTinyOnnxModel(path.resolve(dir)));
}
