/**
 * The SentencePiece unigram tokenizer of the Universal Sentence Encoder: Viterbi search for
 * the most likely split of the text into vocabulary pieces. Ported from
 * `@tensorflow-models/universal-sentence-encoder` (tokenizer/index.ts and trie.ts,
 * Copyright 2019 Google LLC, Apache-2.0), itself a port of SentencePiece's `EncodeAsIds`;
 * that package pins tfjs 3 as a peer, this project runs tfjs 4.
 */

/** `[piece, log-probability]` pairs; the first six ids are reserved (unknown, controls). */
export type Vocabulary = readonly (readonly [string, number])[];

const SEPARATOR = '\u2581';
const RESERVED_SYMBOLS = 6;
const UNKNOWN = 0;

interface Piece {
  length: number;
  score: number;
  id: number;
}

class TrieNode {
  readonly children = new Map<string, TrieNode>();
  piece: Piece | undefined;
}

export class SentencePieceTokenizer {
  private readonly root = new TrieNode();

  constructor(vocabulary: Vocabulary) {
    for (let id = RESERVED_SYMBOLS; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id]!;
      const symbols = [...piece];
      let node = this.root;
      for (const symbol of symbols) {
        let child = node.children.get(symbol);
        if (!child) {
          child = new TrieNode();
          node.children.set(symbol, child);
        }
        node = child;
      }
      node.piece = { length: symbols.length, score, id };
    }
  }

  /** Every vocabulary piece that starts at `from` (the single symbol as unknown if none). */
  private piecesAt(symbols: readonly string[], from: number): Piece[] {
    const found: Piece[] = [];
    let node = this.root.children.get(symbols[from]!);
    for (let i = from; node; i++) {
      if (node.piece) found.push(node.piece);
      if (i + 1 >= symbols.length) break;
      node = node.children.get(symbols[i + 1]!);
    }
    if (found.length === 0) found.push({ length: 1, score: 0, id: UNKNOWN });
    return found;
  }

  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const symbols = [...(SEPARATOR + normalized.replace(/ /g, SEPARATOR))];
    const n = symbols.length;
    // endings[e] lists the pieces ending at e, grouped by start in ascending order, which is
    // the order the reference implementation visits them (ties go to the later start).
    const endings: { start: number; piece: Piece }[][] = Array.from({ length: n + 1 }, () => []);
    for (let start = 0; start < n; start++) {
      for (const piece of this.piecesAt(symbols, start))
        endings[start + piece.length]!.push({ start, piece });
    }
    const best = new Float64Array(n + 1);
    const bestPiece = new Array<Piece | undefined>(n + 1);
    for (let end = 0; end <= n; end++) {
      const list = endings[end]!.sort((a, b) => a.start - b.start);
      for (const { start, piece } of list) {
        const score = piece.score + best[start]!;
        if (best[end] === 0 || score >= best[end]!) {
          best[end] = score;
          bestPiece[end] = piece;
        }
      }
    }
    const ids: number[] = [];
    for (let end = n; end > 0; ) {
      const piece = bestPiece[end]!;
      ids.push(piece.id);
      end -= piece.length;
    }
    ids.reverse();
    // Consecutive unknown symbols collapse into one.
    return ids.filter((id, i) => !(id === UNKNOWN && ids[i - 1] === UNKNOWN));
  }
}
