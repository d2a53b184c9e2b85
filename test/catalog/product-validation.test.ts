/** Values a shop page renders as they are stored must be safe to render (finding 9). */
import { describe, expect, it } from 'vitest';
import { validateProduct } from '../../src/catalog/product.ts';
import { parseNdjsonLine } from '../../src/catalog/record-files.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('product validation', () => {
  it('accepts http(s) image URLs only, without characters that break out of HTML', () => {
    for (const url of ['https://img.example.com/a.jpg', 'http://img.example.com/a%22b.jpg?w=1']) {
      expect(validateProduct({ id: 'p', title: 't', image_url: url }).ok, url).toBe(true);
    }
    for (const url of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'file:///etc/passwd',
      'https://img.example.com/a.jpg"onerror="alert(1)',
      "https://img.example.com/it's.jpg",
      'https://img.example.com/a b.jpg',
      'https://img.example.com/<x>',
    ]) {
      const result = validateProduct({ id: 'p', title: 't', image_url: url });
      expect(result.ok, url).toBe(false);
      if (!result.ok) expect(result.errors[0]!.path).toBe('image_url');
    }
  });

  it('does not let a record named like the unreadable-line marker skip validation', async () => {
    const runtime = await createTestRuntime({ EMBEDDER: 'hashing' });
    const forged = { unreadable: { path: '', code: 'x', message: '<script>alert(1)</script>' } };
    const report = await runtime.catalog
      .ingest([forged, parseNdjsonLine('not json')])
      .finally(() => runtime.close());
    expect(report.rejected).toBe(2);
    expect(report.errors[0]!.errors.map((e) => e.code)).toContain('unrecognized_keys');
    expect(JSON.stringify(report.errors[0])).not.toContain('<script>');
    expect(report.errors[1]!.errors[0]!.code).toBe('invalid_json');
  });
});
