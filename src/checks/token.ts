/**
 * --token / --token-request: the end-to-end proof a relying party would give. A token the
 * cluster issued must name the issuer exactly and verify against the public JWKS; a
 * token signed by a key that is not published is what breaks federation after a rotation.
 */
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { SourceOptions } from '../core/source.js';
import { readTokenFile } from '../core/token-file.js';
import { type CheckResult, fail, ok } from './result.js';
import type { ServiceAccountRef } from './service-account.js';

export type TokenSpec =
  | {
      kind: 'file';
      path: string /** Read already (verify reads it up front: unreadable is usage). */;
      token?: string;
    }
  | { kind: 'request'; serviceAccount: ServiceAccountRef };

export interface ObtainedToken {
  result: CheckResult;
  token?: string;
}

export async function obtainToken(
  spec: TokenSpec,
  source: SourceOptions | undefined,
  audience: string | undefined,
): Promise<ObtainedToken> {
  if (spec.kind === 'file') {
    try {
      const token = spec.token ?? (await readTokenFile(spec.path, 'the token'));
      return { result: ok('token-read', `token read from ${spec.path}`), token };
    } catch (error) {
      return { result: fail('token-read', (error as Error).message) };
    }
  }
  const { namespace, name } = spec.serviceAccount;
  const who = `${namespace}/${name}`;
  if (!source)
    return { result: fail('token-request', `${who}: no cluster settings to reach the API server`) };
  try {
    const { requestServiceAccountToken } = await import('./token-request.js');
    const token = await requestServiceAccountToken(spec.serviceAccount, source, audience);
    const forAudience = audience === undefined ? 'the API server’s audience' : `audience "${audience}"`;
    return { result: ok('token-request', `minted a token for ${who} with ${forAudience}`), token };
  } catch (error) {
    return { result: fail('token-request', `TokenRequest for ${who} failed: ${(error as Error).message}`) };
  }
}

export async function checkToken(
  token: string,
  issuer: string,
  publicJwks: unknown,
  audience: string | undefined,
): Promise<CheckResult[]> {
  let claims: ReturnType<typeof decodeJwt>;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    claims = decodeJwt(token);
    header = decodeProtectedHeader(token);
  } catch (error) {
    return [fail('token-issuer', `the token is not a JWT: ${(error as Error).message}`)];
  }
  const results: CheckResult[] = [];
  results.push(
    claims.iss === issuer
      ? ok('token-issuer', `iss equals --issuer "${issuer}"`)
      : fail('token-issuer', `iss "${String(claims.iss)}" is not --issuer "${issuer}"`),
  );
  results.push(await checkSignature(token, header, publicJwks));
  if (audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
    results.push(
      audiences.includes(audience)
        ? ok('token-audience', `aud includes "${audience}"`)
        : fail('token-audience', `aud ${JSON.stringify(claims.aud ?? null)} does not include "${audience}"`),
    );
  }
  return results;
}

async function checkSignature(
  token: string,
  header: ReturnType<typeof decodeProtectedHeader>,
  publicJwks: unknown,
): Promise<CheckResult> {
  const check = 'token-signature';
  const signedWith = `kid "${header.kid ?? '(none)'}", ${header.alg ?? 'no alg'}`;
  let keySet: ReturnType<typeof createLocalJWKSet>;
  try {
    keySet = createLocalJWKSet(publicJwks as JSONWebKeySet);
  } catch (error) {
    return fail(check, `the public JWKS cannot be used to verify: ${(error as Error).message}`);
  }
  try {
    // Signature only: whether this particular token has expired says nothing about the issuer.
    await compactVerify(token, keySet);
    return ok(check, `signature (${signedWith}) verifies against the public JWKS`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWKS_NO_MATCHING_KEY') {
      return fail(
        check,
        `no published key matches the token (${signedWith}): it was signed by a key that is not published`,
      );
    }
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
      return fail(
        check,
        `the signature (${signedWith}) does not verify against the published key with that kid`,
      );
    }
    return fail(check, `cannot verify the signature (${signedWith}): ${(error as Error).message}`);
  }
}
