import { toWire } from '../api/wire.ts';

/** Command results go to stdout as snake_case JSON (logs go to stderr), so `| jq` works. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(toWire(value), null, 2));
}
