import { describe, expect, it } from 'vitest';
import { type IssueOptions, normalizeDiscovery } from './documents.js';
import { isGatewayError } from './errors.js';

const NEW = 'https://oidc.example.com/new';
const OLD = 'https://old.example.net/cluster-1';

/** kube-apiserver's member order (pkg/serviceaccount/openidmetadata.go), jwks_uri its own address. */
const clusterDiscovery = () => ({
  issuer: NEW,
  jwks_uri: 'https://10.0.0.1:6443/openid/v1/jwks',
  response_types_supported: ['id_token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['ES256', 'RS256'],
});

describe('normalizeDiscovery re-issuing under another issuer', () => {
  const options = (extra: Partial<IssueOptions> = {}): IssueOptions => ({
    pretty: true,
    jwksUri: { mode: 'auto' },
    ...extra,
  });

  it('replaces issuer and jwks_uri in place and keeps every other member and the order', () => {
    const rendered = normalizeDiscovery(clusterDiscovery(), options({ reissueAs: OLD }));
    expect(rendered.reissuedFrom).toBe(NEW);
    expect(rendered.jwksUriRewrittenFrom).toBeUndefined();
    expect(Object.keys(rendered.document)).toEqual(Object.keys(clusterDiscovery()));
    expect(rendered.document).toEqual({
      ...clusterDiscovery(),
      issuer: OLD,
      jwks_uri: `${OLD}/openid/v1/jwks`,
    });
    // Rendered once, as any document: the bytes and ETag are those of the re-issued document.
    const direct = normalizeDiscovery({ ...clusterDiscovery(), issuer: OLD }, options());
    expect(rendered.body.equals(direct.body)).toBe(true);
    expect(rendered.etag).toBe(direct.etag);
    expect(
      normalizeDiscovery(clusterDiscovery(), options({ reissueAs: OLD, pretty: false })).body.toString(),
    ).toBe(JSON.stringify(rendered.document));
  });

  it('is no re-issue when the issuer is the source’s own', () => {
    const same = normalizeDiscovery(clusterDiscovery(), options({ reissueAs: NEW }));
    const plain = normalizeDiscovery(clusterDiscovery(), options());
    expect(same).toEqual(plain);
    expect(same.reissuedFrom).toBeUndefined();
    expect(plain.jwksUriRewrittenFrom).toBe('https://10.0.0.1:6443/openid/v1/jwks');
  });

  it.each([
    ['http://old.example.net/c1', 'is not https'],
    ['https://old.example.net/a/../c1', 'is not canonical; did you mean "https://old.example.net/c1"?'],
    ['https://old.example.net/c1?x=1', 'has a query'],
    ['old.example.net/c1', 'is not a URL'],
  ])('refuses %s as an issuer, as in any discovery document', (issuer, problem) => {
    let thrown: unknown;
    try {
      normalizeDiscovery(clusterDiscovery(), options({ reissueAs: issuer }));
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'DISCOVERY_INVALID')).toBe(true);
    expect((thrown as Error).message).toContain(problem);
  });
});
