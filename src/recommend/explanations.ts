/** The `reason` line of each recommended product's explanation, from where it came from. */
import type { ProductSummary } from '../catalog/search-backend.ts';
import type { RecommendationExplanation, RecommendationSource } from './recommendation-types.ts';

export function similarReason(explain: RecommendationExplanation, title: string): string {
  const parts: string[] = [];
  if (explain.similarity !== undefined) parts.push(`similar to "${title}"`);
  if (explain.co_click)
    parts.push(
      `also clicked by ${explain.co_click.support} shopper${explain.co_click.support === 1 ? '' : 's'} who clicked it`,
    );
  if (parts.length === 0) parts.push(`related to "${title}"`);
  return parts.join('; ');
}

export function sourceReason(source: RecommendationSource, category: string): string {
  if (source === 'complementary_category') return `popular in ${category}, which shoppers buy alongside`;
  if (source === 'related_category') return `popular in the related category ${category}`;
  return `trending in ${category}`;
}

export function feedReason(explain: RecommendationExplanation, summary: ProductSummary): string {
  const parts: string[] = [];
  if (explain.co_click) parts.push('shoppers who clicked what you viewed clicked it');
  if (explain.co_purchase) parts.push('bought with what you bought');
  if (explain.similarity !== undefined) parts.push('similar to what you viewed last');
  if (explain.trending && explain.sources.includes('trending'))
    parts.push(`trending in ${explain.trending.category}`);
  if (explain.sources.includes('popular')) parts.push('popular in a category you like');
  if ((explain.affinity?.brand ?? 0) > 0 && summary.brand) parts.push(`a brand you like (${summary.brand})`);
  return parts.join('; ') || 'matches your interests';
}
