/**
 * The marketer's files, parsed and compiled into what a search reads: field weights
 * (boosts.yaml), attribute facets and filters (attributes.yaml), rules (rules.yaml),
 * synonyms (synonyms.txt) and stopwords (stopwords.txt). The service loads them from
 * `mappings/`; the preview parses proposed versions the same way, so a file the preview
 * accepts is a file the service accepts.
 */
import { ConfigFileError, parseYamlConfig } from '../main/config-file.ts';
import { type AttributeSettings, attributeSettingsSchema } from './attributes.ts';
import { type Boosts, boostsSchema } from './boosts.ts';
import { RuleBook } from './rule-book.ts';
import { rulesFileSchema } from './rules.ts';
import { parseStopwords, parseSynonyms, type SynonymSet } from './synonyms.ts';

export interface MerchandisingSettings {
  boosts: Boosts;
  attributes: AttributeSettings;
  rules: RuleBook;
  synonyms: SynonymSet;
  stopwords: ReadonlySet<string>;
}

/** The files by name; an optional file that is absent counts as empty. */
export const MERCHANDISING_FILES = {
  boosts: 'boosts.yaml',
  attributes: 'attributes.yaml',
  rules: 'rules.yaml',
  synonyms: 'synonyms.txt',
  stopwords: 'stopwords.txt',
} as const satisfies Record<keyof MerchandisingSettings, string>;

export type MerchandisingFile = keyof typeof MERCHANDISING_FILES;

/** Only boosts.yaml must exist: the others are optional (an install from before they existed has none). */
export const REQUIRED_MERCHANDISING_FILES: readonly MerchandisingFile[] = ['boosts'];

/** One file's text and the name its errors are reported under (`mappings/rules.yaml:12:7 ...`). */
export interface FileText {
  name: string;
  text: string;
}

export function parseMerchandisingFile<K extends MerchandisingFile>(
  kind: K,
  { name, text }: FileText,
): MerchandisingSettings[K] {
  const parsers: { [F in MerchandisingFile]: () => MerchandisingSettings[F] } = {
    boosts: () => parseYamlConfig(name, text, boostsSchema),
    attributes: () => parseYamlConfig(name, text, attributeSettingsSchema),
    rules: () => new RuleBook(parseYamlConfig(name, text, rulesFileSchema)),
    synonyms: () => parseSynonyms(name, text),
    stopwords: () => parseStopwords(name, text),
  };
  return parsers[kind]() as MerchandisingSettings[K];
}

/** Every file, parsed; an absent optional file is parsed as empty text. The problems of every file are reported together. */
export function parseMerchandising(
  files: Partial<Record<MerchandisingFile, FileText>>,
): MerchandisingSettings {
  const failed: ConfigFileError[] = [];
  const parse = <K extends MerchandisingFile>(kind: K): MerchandisingSettings[K] => {
    try {
      return parseMerchandisingFile(kind, files[kind] ?? { name: MERCHANDISING_FILES[kind], text: '' });
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      failed.push(error);
      return undefined as never;
    }
  };
  const settings: MerchandisingSettings = {
    boosts: parse('boosts'),
    attributes: parse('attributes'),
    rules: parse('rules'),
    synonyms: parse('synonyms'),
    stopwords: parse('stopwords'),
  };
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) {
    throw new ConfigFileError(
      failed.map((e) => e.file).join(', '),
      failed.flatMap((e) => e.problems),
    );
  }
  return settings;
}
