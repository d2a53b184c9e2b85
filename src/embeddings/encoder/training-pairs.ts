/**
 * Training pairs for the in-house encoder: (what a shopper might type, the product).
 * Without logged events the catalog supervises itself: a short fragment of a title,
 * sometimes misspelled, must land near its product. Logged (query, clicked product)
 * pairs, when there are enough, teach the shop's real vocabulary.
 */
export interface TrainingPair {
  query: string;
  product: string;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'.\-/]*/gu;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** One keyboard slip after the first letter (people rarely mistype that): delete, swap, replace or insert. */
export function misspell(word: string, random: () => number): string {
  if (word.length < 4 || !/^[a-z]+$/i.test(word)) return word;
  const i = 1 + Math.floor(random() * (word.length - 2)); // 1 .. length - 2
  const letter = LETTERS[Math.floor(random() * LETTERS.length)]!;
  switch (Math.floor(random() * 4)) {
    case 0:
      return word.slice(0, i) + word.slice(i + 1);
    case 1:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    case 2:
      return word.slice(0, i) + letter + word.slice(i + 1);
    default:
      return word.slice(0, i) + letter + word.slice(i);
  }
}

export interface FragmentOptions {
  /** Chance that one word of a fragment is misspelled. */
  typoRate: number;
  /** Chance that the brand is prepended to the fragment. */
  brandRate: number;
}

export const DEFAULT_FRAGMENT_OPTIONS: FragmentOptions = { typoRate: 0.2, brandRate: 0.15 };

/**
 * A query-like fragment of a product title: 1-4 words, mostly 2-3, either consecutive
 * (`deck screws`) or picked across the title in order (`black pipe 1 in.`), as shoppers
 * name a product type with one or two attributes.
 */
export function titleFragment(
  title: string,
  brand: string | undefined,
  random: () => number,
  options: FragmentOptions = DEFAULT_FRAGMENT_OPTIONS,
): string {
  const words = title.toLowerCase().match(WORD) ?? [];
  if (words.length === 0) return title;
  const lengths = [1, 2, 2, 3, 3, 3, 4];
  const length = Math.min(words.length, lengths[Math.floor(random() * lengths.length)]!);
  let fragment: string[];
  if (random() < 0.5) {
    const start = Math.floor(random() * (words.length - length + 1));
    fragment = words.slice(start, start + length);
  } else {
    const picked = new Set<number>();
    while (picked.size < length) picked.add(Math.floor(random() * words.length));
    fragment = [...picked].sort((a, b) => a - b).map((i) => words[i]!);
  }
  if (random() < options.typoRate) {
    const k = Math.floor(random() * fragment.length);
    fragment[k] = misspell(fragment[k]!, random);
  }
  if (brand && random() < options.brandRate && !fragment.includes(brand.toLowerCase()))
    fragment.unshift(brand.toLowerCase());
  return fragment.join(' ');
}

export interface CatalogText {
  title: string;
  brand?: string;
  /** The full text the encoder embeds for this product. */
  text: string;
}

export function selfSupervisedPairs(
  catalog: readonly CatalogText[],
  perProduct: number,
  random: () => number,
  options: FragmentOptions = DEFAULT_FRAGMENT_OPTIONS,
): TrainingPair[] {
  const pairs: TrainingPair[] = [];
  for (const product of catalog) {
    for (let i = 0; i < perProduct; i++) {
      pairs.push({
        query: titleFragment(product.title, product.brand, random, options),
        product: product.text,
      });
    }
  }
  return pairs;
}
