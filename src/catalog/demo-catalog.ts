/**
 * The demo catalog loaded on first start (data in demo-catalog.json): 367 products across
 * home improvement, garden, kitchen, sports and electronics, with brands, category paths,
 * prices, descriptions, attributes and some Chinese-language products.
 */
import fs from 'node:fs';
import { CatalogSketcher } from '../embeddings/encoder/catalog-sketch.ts';
import type { EncoderCatalog } from '../embeddings/encoder/encoder-artifact.ts';
import type { CatalogText } from '../embeddings/encoder/training-pairs.ts';
import {
  type Product,
  type ProductInput,
  productContentHash,
  productTrainingText,
  validateProduct,
} from './product.ts';

/** A fresh copy of the demo catalog's records, as a shop would send them. */
export function demoCatalog(): ProductInput[] {
  return JSON.parse(
    fs.readFileSync(new URL('./demo-catalog.json', import.meta.url), 'utf8'),
  ) as ProductInput[];
}

export function demoProducts(): Product[] {
  return demoCatalog().flatMap((record) => {
    const validation = validateProduct(record);
    return validation.ok ? [validation.product] : [];
  });
}

/** The demo catalog as encoder training texts: what a fresh install trains its first encoder on. */
export function demoCatalogTexts(): CatalogText[] {
  return demoProducts().map(productTrainingText);
}

/** What an encoder trained on the demo catalog records it learned (a placeholder catalog). */
export function demoCatalogRecord(): EncoderCatalog {
  const sketcher = new CatalogSketcher();
  const products = demoProducts();
  for (const product of products) sketcher.add({ id: product.id, contentHash: productContentHash(product) });
  return { source: 'demo', products: products.length, sketch: sketcher.sketch };
}
