/**
 * What a marketer sees about a set of files before or while they serve: how much each holds,
 * and the warnings that do not stop them from loading (a pin or hide naming a product the
 * catalog does not have: the rule still loads, that product is simply not shown or hidden).
 */
import type { SearchBackend } from '../catalog/search-backend.ts';
import { yamlLocation } from '../main/config-file.ts';
import type { FileText, MerchandisingSettings } from './settings.ts';

export interface MerchandisingReport {
  rules: number;
  enabled_rules: number;
  synonyms: number;
  stopwords: number;
  attributes: number;
  warnings: string[];
}

const LOOKUP_BATCH = 500;

/** Unknown product ids in pins and hides, each warned about at its place in rules.yaml. */
async function unknownProductWarnings(
  settings: MerchandisingSettings,
  rulesFile: FileText | undefined,
  backend: Pick<SearchBackend, 'getSummaries'>,
): Promise<string[]> {
  const places: { id: string; rule: string; path: PropertyKey[]; action: string }[] = [];
  for (const [i, { definition }] of settings.rules.rules.entries()) {
    for (const [j, pin] of (definition.pin ?? []).entries()) {
      places.push({ id: pin.id, rule: definition.id, path: ['rules', i, 'pin', j, 'id'], action: 'pins' });
    }
    for (const [j, id] of (definition.hide?.ids ?? []).entries()) {
      places.push({ id, rule: definition.id, path: ['rules', i, 'hide', 'ids', j], action: 'hides' });
    }
  }
  const ids = [...new Set(places.map((p) => p.id))];
  const known = new Set<string>();
  for (let start = 0; start < ids.length; start += LOOKUP_BATCH) {
    for (const id of (await backend.getSummaries(ids.slice(start, start + LOOKUP_BATCH))).keys())
      known.add(id);
  }
  return places
    .filter((p) => !known.has(p.id))
    .map((p) => {
      const where = rulesFile ? yamlLocation(rulesFile.name, rulesFile.text, p.path) : 'rules.yaml';
      return `${where} rule "${p.rule}" ${p.action} "${p.id}", which is not in the catalog`;
    });
}

export async function merchandisingReport(
  settings: MerchandisingSettings,
  rulesFile: FileText | undefined,
  backend: Pick<SearchBackend, 'getSummaries'>,
): Promise<MerchandisingReport> {
  return {
    rules: settings.rules.size,
    enabled_rules: settings.rules.rules.filter((r) => r.definition.enabled).length,
    synonyms: settings.synonyms.size,
    stopwords: settings.stopwords.size,
    attributes: Object.keys(settings.attributes.attributes).length,
    warnings: await unknownProductWarnings(settings, rulesFile, backend),
  };
}
