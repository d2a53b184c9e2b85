import { describe, expect, it } from 'vitest';
import { SpellingDictionary } from '../../src/text/spelling.ts';

const catalog = [
  ...Array.from({ length: 12 }, (_, i) => `Ryobi ${18 + i}-Volt Cordless Drill Driver Kit`),
  ...Array.from({ length: 8 }, (_, i) => `Greenworks ${40 + i} in. Electric Pressure Washer`),
  ...Array.from({ length: 6 }, (_, i) => `Honda ${21 + i} in. Gas Lawn Mower`),
  ...Array.from({ length: 12 }, (_, i) => `Everbilt 10 ft. Steel Stake ${i}`),
  ...Array.from({ length: 5 }, (_, i) => `Frigidaire Window Air Conditioner ${i} BTU`),
  ...Array.from({ length: 4 }, (_, i) => `Delta Shower Head ${i} Spray`),
  ...Array.from({ length: 6 }, (_, i) => `Honda Power Head Trimmer ${i}`),
  'DEWALT DW745 Table Saw',
  'Bosch Drll Bit Set', // a typo inside the catalog itself
];

describe('SpellingDictionary', () => {
  const dictionary = SpellingDictionary.build(catalog);

  it('corrects words the catalog does not know to close, frequent words it does', () => {
    expect(dictionary.correct('pressue washer')?.suggestion).toBe('pressure washer');
    expect(dictionary.correct('gas mowe')?.suggestion).toBe('gas mower');
    expect(dictionary.correct('cordles drils')?.suggestion).toBe('cordless drill');
  });

  it('leaves correctly spelt queries alone', () => {
    expect(dictionary.correct('cordless drill')).toBeUndefined();
    expect(dictionary.correct('lawn mowers')).toBeUndefined(); // the stemmer already matches plurals
  });

  it('never corrects numbers, sizes or model codes', () => {
    expect(dictionary.correct('dw746 saw')).toBeUndefined();
    expect(dictionary.correct('18v 3/4')).toBeUndefined();
  });

  it('keeps a rare word the catalog knows beside its correction, so both are searched', () => {
    const correction = dictionary.correct('drll driver');
    expect(correction?.changes).toEqual([{ from: 'drll', to: 'drill', kept: true }]);
    expect(correction?.text).toBe('drll drill driver');
    expect(correction?.suggestion).toBe('drill driver');
    // `steele` is no typo to fix: the analyzer already stems it to `steel`.
    expect(dictionary.correct('steele stake')).toBeUndefined();
  });

  it('lets the other query words pick between equally close corrections', () => {
    // `sower` is one edit from both `shower` and `power`; `head` occurs with both, `spray` only with shower.
    expect(dictionary.correct('sower head spray')?.suggestion).toBe('shower head spray');
    expect(dictionary.correct('sower head trimmer')?.suggestion).toBe('power head trimmer');
  });

  it('splits run-together words into two words that occur together', () => {
    expect(dictionary.correct('windowair conditioner')?.suggestion).toBe('window air conditioner');
  });

  it('finds nothing for nonsense', () => {
    expect(dictionary.correct('xyzzyqqq')).toBeUndefined();
  });

  it('answers from memory for a repeated word', () => {
    const first = dictionary.correct('pressue');
    expect(dictionary.correct('pressue')).toEqual(first);
  });
});
