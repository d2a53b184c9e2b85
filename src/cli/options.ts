/** Parsers of the command line's option values; a bad value is a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';

export function fieldRenames(value: string, previous: Map<string, string>): Map<string, string> {
  for (const pair of value.split(',')) {
    const [from, to] = pair.split('=').map((s) => s.trim());
    if (!from || !to) throw new InvalidArgumentError(`expected source=field pairs, got "${pair}"`);
    previous.set(from, to);
  }
  return previous;
}

function numberOption(check: (n: number) => boolean, expected: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!check(n)) throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
    return n;
  };
}

export const positiveInteger = numberOption((n) => Number.isInteger(n) && n >= 1, 'a positive integer');
export const integer = numberOption(Number.isInteger, 'an integer');
export const share = numberOption((n) => Number.isFinite(n) && n >= 0 && n <= 1, 'a number from 0 to 1');
export const positiveNumber = numberOption((n) => Number.isFinite(n) && n > 0, 'a positive number');
