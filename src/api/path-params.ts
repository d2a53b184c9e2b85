/**
 * Path parameters that are not valid percent-encoding (`%FF`, `%`, `%zz`) are a client's
 * mistake: a 400 naming the parameter, answered before any route (and its key check)
 * runs. Express would otherwise throw while decoding and the request would end as a 500,
 * logged with the raw id.
 */
import type { RequestHandler } from 'express';
import { match } from 'path-to-regexp';
import { invalidRequest } from './errors.ts';

/** Checks the raw parameters of the routes `patterns` (`/v1/users/:id`) before they are decoded. */
export function decodablePathParams(patterns: readonly string[]): RequestHandler {
  const matchers = patterns.map((pattern) => match<Record<string, string>>(pattern, { decode: false }));
  return (req, _res, next) => {
    for (const matcher of matchers) {
      const found = matcher(req.path);
      if (!found) continue;
      const bad = Object.keys(found.params).filter((name) => !decodes(found.params[name]!));
      if (bad.length > 0) {
        throw invalidRequest(
          bad.map((name) => ({
            field: name,
            rule: 'invalid_encoding',
            message: `${name} is not valid percent-encoding (e.g. %20 for a space, %25 for %)`,
          })),
        );
      }
    }
    next();
  };
}

function decodes(value: string): boolean {
  try {
    decodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}
