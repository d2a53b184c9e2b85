/** Command results go to stdout as JSON (logs go to stderr), so `| jq` works. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
