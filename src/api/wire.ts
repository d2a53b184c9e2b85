/**
 * The wire is snake_case; code inside is camelCase. Records the service keeps in camelCase
 * (profiles, job runs, reindex reports) cross to HTTP responses and CLI reports through
 * this one mapper. Keys of maps that hold data (category paths, brand names, attributes,
 * feature names) are data, not field names, and stay as they are.
 */
const DATA_MAPS = new Set(['categories', 'brands', 'price_bands', 'attributes', 'features', 'contributions']);

export function toWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toWire);
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value))
    return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      const wireKey = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
      return [wireKey, DATA_MAPS.has(wireKey) ? inner : toWire(inner)];
    }),
  );
}
