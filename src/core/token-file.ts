/**
 * A bearer token file (the mounted ServiceAccount token, verify --token), read fresh on
 * every use: kubelet rotates projected tokens in place. Read with a size cap, since the
 * path is configuration and may name anything, and trimmed: files written by hand or by
 * a Secret often end in a newline that is not part of the token. The token itself never
 * appears in an error.
 */
import { readFileOrFail } from './bounded-file.js';
import { GatewayError } from './errors.js';

/** Real tokens are a few KiB; a bound far above that keeps a wrong path harmless. */
const MAX_TOKEN_BYTES = 64 * 1024;

export async function readTokenFile(path: string, what = 'the ServiceAccount token'): Promise<string> {
  const bytes = await readFileOrFail(path, MAX_TOKEN_BYTES, {
    code: 'SOURCE_CREDENTIALS',
    unreadable: (reason) => `cannot read ${what} at ${path}: ${reason}`,
    tooLarge: `${what} at ${path} is larger than 64 KiB: not a token`,
  });
  const token = bytes.toString('utf8').trim();
  if (token === '') throw new GatewayError('SOURCE_CREDENTIALS', `${what} at ${path} is empty`);
  return token;
}
