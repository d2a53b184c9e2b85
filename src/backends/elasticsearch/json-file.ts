/** Reads the JSON data files of the Elasticsearch backend; errors name the file. */
import fs from 'node:fs';
import type { z } from 'zod';
import { ConfigFileError } from '../../main/config-file.ts';

export function readJsonFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, [`cannot read ${file}: ${(error as Error).message}`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(file, [`${file} is not valid JSON: ${(error as Error).message}`]);
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new ConfigFileError(
    file,
    parsed.error.issues.map((issue) => `${file} ${issue.path.join('.') || '(root)'}: ${issue.message}`),
  );
}
