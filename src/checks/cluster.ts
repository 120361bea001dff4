/**
 * --compare-cluster: fetch the documents from the API server through the core source
 * (in-cluster or kubeconfig) and confirm the public copies are current. Every key the
 * cluster signs with must be published; published keys the cluster no longer serves are
 * expected after a rotation (publish retains them) and only reported.
 *
 * The cluster's documents are taken as issued under the --issuer being verified: when the
 * cluster names another issuer (one migrating from --issuer to a new one, which still
 * accepts tokens of both), they are re-issued under it by the core, as `publish --issuer`
 * does, and every message says so.
 */
import {
  fetchIssuerDocuments,
  type IssuerDocuments,
  type NormalizeOptions,
  normalizeDiscovery,
} from '../core/documents.js';
import { SIGNING_ALGS_MEMBER, signingAlgsFor } from '../core/key-set-rules.js';
import { createSource, type SourceOptions } from '../core/source.js';
import type { Jwk } from '../core/validate.js';
import { type CheckResult, fail, ok } from './result.js';

/** How to reach the API server, and how its documents are rendered before they are compared. */
export interface ClusterSettings {
  source: SourceOptions;
  normalize: NormalizeOptions;
}

export async function fetchClusterDocuments(
  settings: ClusterSettings,
  issuer: string,
): Promise<{ result: CheckResult; documents?: IssuerDocuments }> {
  let description = 'the API server';
  try {
    const source = await createSource(settings.source);
    description = source.description;
    try {
      const documents = await fetchIssuerDocuments(source, { ...settings.normalize, reissueAs: issuer });
      const reissued = documents.discovery.reissuedFrom;
      const note =
        reissued === undefined
          ? ''
          : `; its discovery document names ${reissued}, so they are compared re-issued under ${issuer}`;
      return {
        result: ok('cluster-fetch', `${description}: ${documents.jwks.kids.length} keys${note}`),
        documents,
      };
    } finally {
      source.close();
    }
  } catch (error) {
    return { result: fail('cluster-fetch', `${description}: ${(error as Error).message}`) };
  }
}

/**
 * The public document normalized with the same options as the cluster's (jwks_uri policy,
 * pretty-printing), then compared byte for byte; a difference is named by member.
 */
export function compareDiscovery(
  cluster: IssuerDocuments,
  publicJson: unknown,
  settings: ClusterSettings,
  publicJwks?: unknown,
) {
  const check = 'cluster-discovery';
  let published: ReturnType<typeof normalizeDiscovery>;
  try {
    published = normalizeDiscovery(publicJson, settings.normalize);
  } catch (error) {
    return fail(check, `the public discovery document is invalid: ${(error as Error).message}`);
  }
  const theClusters =
    cluster.discovery.reissuedFrom === undefined
      ? 'the cluster’s'
      : `the cluster’s re-issued under ${cluster.discovery.document.issuer}`;
  if (published.body.equals(cluster.discovery.body)) {
    return ok(check, `the public discovery document matches ${theClusters}`);
  }
  const extraAlgs = algsOfRetainedKeys(cluster, publicJwks);
  if (extraAlgs) {
    // publish advertises the alg of every key it publishes, retained ones included
    // (core/key-set-rules.ts): the document it builds from these keys is current too.
    const expected = normalizeDiscovery(
      { ...cluster.discovery.document, [SIGNING_ALGS_MEMBER]: [...extraAlgs.advertised] },
      settings.normalize,
    );
    if (published.body.equals(expected.body)) {
      return ok(
        check,
        `the public discovery document matches ${theClusters}; it also lists ${extraAlgs.added.join(', ')} for published keys the cluster no longer serves`,
      );
    }
  }
  const theirs: Record<string, unknown> = cluster.discovery.document;
  const ours: Record<string, unknown> = published.document;
  const members = [...new Set([...Object.keys(theirs), ...Object.keys(ours)])];
  const differing = members.filter((m) => JSON.stringify(theirs[m]) !== JSON.stringify(ours[m]));
  const detail =
    differing.length > 0
      ? differing
          .map(
            (m) =>
              `${m}: public ${JSON.stringify(ours[m]) ?? 'missing'}, cluster ${JSON.stringify(theirs[m]) ?? 'missing'}`,
          )
          .join('; ')
      : 'same members and values in a different order';
  return fail(check, `the public discovery document differs from ${theClusters}: ${detail}`);
}

/**
 * The signing algorithms publish advertises for the public key set, when they are more
 * than the cluster's (a retained key uses an alg the cluster no longer lists); else undefined.
 */
function algsOfRetainedKeys(
  cluster: IssuerDocuments,
  publicJwks: unknown,
): { advertised: readonly string[]; added: string[] } | undefined {
  const clusterAlgs = cluster.discovery.document[SIGNING_ALGS_MEMBER];
  const keys = (publicJwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(clusterAlgs) || !Array.isArray(keys)) return undefined;
  const publicKeys = keys.filter((key): key is Jwk => typeof key === 'object' && key !== null);
  const advertised = signingAlgsFor(clusterAlgs as string[], publicKeys);
  if (advertised === clusterAlgs) return undefined;
  return { advertised, added: advertised.filter((alg) => !clusterAlgs.includes(alg)) };
}

/** The key material: every member the cluster's key has, with the same value. */
function sameKey(cluster: Jwk, published: Record<string, unknown>): boolean {
  return Object.entries(cluster).every(
    ([member, value]) => JSON.stringify(published[member]) === JSON.stringify(value),
  );
}

export function compareKeys(cluster: IssuerDocuments, publicJson: unknown): CheckResult {
  const check = 'cluster-keys';
  const keys = (publicJson as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return fail(check, 'the public JWKS has no key list');
  const published = new Map<string, Record<string, unknown>>();
  for (const key of keys) {
    const kid = (key as { kid?: unknown } | null)?.kid;
    if (typeof kid === 'string') published.set(kid, key as Record<string, unknown>);
  }
  const clusterKeys = cluster.jwks.document.keys;
  const missing = clusterKeys.filter((key) => !published.has(key.kid)).map((key) => key.kid);
  const altered = clusterKeys
    .filter((key) => published.has(key.kid) && !sameKey(key, published.get(key.kid) ?? {}))
    .map((key) => key.kid);
  const clusterKids = new Set(clusterKeys.map((key) => key.kid));
  const extra = [...published.keys()].filter((kid) => !clusterKids.has(kid));

  const problems: string[] = [];
  if (missing.length > 0) problems.push(`not published: ${missing.join(', ')}`);
  if (altered.length > 0) problems.push(`published with different key material: ${altered.join(', ')}`);
  const extraNote =
    extra.length > 0
      ? `; ${extra.length} more published key(s) the cluster no longer serves: ${extra.join(', ')}`
      : '';
  if (problems.length > 0) {
    return fail(
      check,
      `cluster keys ${problems.join('; ')} (tokens signed with them will be rejected)${extraNote}`,
    );
  }
  return ok(check, `all ${clusterKeys.length} cluster keys are published${extraNote}`);
}
