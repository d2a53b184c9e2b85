/**
 * Whether the cluster can fuse the two legs itself with the `rrf` retriever: generally
 * available from 8.16, and licensed (Enterprise, or a trial) everywhere except Serverless.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { isUnavailable } from './client.ts';

export interface NativeRrfSupport {
  supported: boolean;
  /** Why, in words, for the start-up log. */
  reason: string;
}

const RRF_LICENSES = new Set<estypes.LicenseLicenseType>(['enterprise', 'trial']);

export function versionHasRrfRetriever(version: string): boolean {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) return false;
  return major > 8 || (major === 8 && minor >= 16);
}

export async function detectNativeRrf(client: Client): Promise<NativeRrfSupport> {
  const { version } = await client.info();
  if (version.build_flavor === 'serverless') return { supported: true, reason: 'Elasticsearch Serverless' };
  if (!versionHasRrfRetriever(version.number)) {
    return {
      supported: false,
      reason: `Elasticsearch ${version.number} has no GA rrf retriever (8.16 or newer)`,
    };
  }
  let license: estypes.LicenseGetLicenseInformation | undefined;
  try {
    license = (await client.license.get()).license;
  } catch (error) {
    if (isUnavailable(error)) throw error;
    return { supported: false, reason: `the license cannot be read (${(error as Error).message})` };
  }
  if (license?.status !== 'active' || !RRF_LICENSES.has(license.type)) {
    return {
      supported: false,
      reason: `the rrf retriever needs an active Enterprise or trial license (this cluster: ${license?.type ?? 'none'}, ${license?.status ?? 'unknown'})`,
    };
  }
  return { supported: true, reason: `Elasticsearch ${version.number}, ${license.type} license` };
}
