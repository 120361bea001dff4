/**
 * `--dest` values: `s3://bucket/prefix`, `gs://bucket/prefix`, `az://account/container/prefix`
 * (Azure Blob Storage), or a folder given as a path or a `file://` URL. The prefix is the
 * folder inside the bucket or container that stands for the issuer URL's path; the documents
 * go below it. Names are checked against each service's rules here, so a typo is a usage
 * error before anything is read.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid } from '../core/setting-kinds.js';
import { storeLocation } from './store.js';

export type Destination =
  | { kind: 's3'; bucket: string; prefix: string; description: string }
  | { kind: 'gcs'; bucket: string; prefix: string; description: string }
  | { kind: 'azure'; account: string; container: string; prefix: string; description: string }
  | { kind: 'folder'; path: string; description: string };

const USAGE =
  'is not s3://bucket/prefix, gs://bucket/prefix, az://account/container/prefix, a folder path or a file:// URL';

// S3 and GCS bucket names: lowercase letters, digits, dots, dashes and (GCS) underscores.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
// Azure storage accounts: 3-24 lowercase letters and digits.
const ACCOUNT = /^[a-z0-9]{3,24}$/;
// Azure containers: 3-63 lowercase letters, digits and single dashes between them, or the
// static website's `$web`. (Not `$root`: its blob names may hold no `/`, and every key does.)
const CONTAINER = /^(?:\$web|[a-z0-9](?:-?[a-z0-9])+)$/;

export function parseDestination(raw: string, name = '--dest'): Destination {
  const value = raw.trim();
  if (value === '') throw invalid(name, raw, 'is empty');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  if (scheme === 's3' || scheme === 'gs') return parseBucketUrl(value, scheme, name);
  if (scheme === 'az') return parseAzureUrl(value, name);
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(value);
    } catch {
      throw invalid(name, raw, 'is not a valid file:// URL (use file:///absolute/path)');
    }
    return { kind: 'folder', path, description: path };
  }
  // One letter before a colon is a Windows drive, anything longer a scheme we do not know.
  if (scheme && scheme.length > 1) throw invalid(name, raw, USAGE);
  const path = resolve(value);
  return { kind: 'folder', path, description: path };
}

function parseBucketUrl(value: string, scheme: 's3' | 'gs', name: string): Destination {
  const match = /^[a-zA-Z0-9]+:\/\/([^/?#]*)(\/[^?#]*)?$/.exec(value);
  if (!match) throw invalid(name, value, `is not ${scheme}://bucket/prefix (no query or fragment)`);
  const bucket = match[1] ?? '';
  if (!BUCKET.test(bucket)) throw invalid(name, value, `has an invalid bucket name "${bucket}"`);
  const prefix = prefixOf(match[2] ?? '', value, name);
  const { description } = storeLocation(`${scheme}://${bucket}`, prefix);
  return scheme === 's3'
    ? { kind: 's3', bucket, prefix, description }
    : { kind: 'gcs', bucket, prefix, description };
}

/**
 * `az://account/container/prefix`: the account is the host part, the container the first
 * path segment. (`$web` must be quoted in a shell: `--dest 'az://account/$web/prefix'`.)
 */
function parseAzureUrl(value: string, name: string): Destination {
  const match = /^[a-zA-Z0-9]+:\/\/([^/?#]*)\/?([^/?#]*)(\/[^?#]*)?$/.exec(value);
  if (!match) throw invalid(name, value, 'is not az://account/container/prefix (no query or fragment)');
  const account = match[1] ?? '';
  const container = match[2] ?? '';
  if (!ACCOUNT.test(account)) {
    throw invalid(
      name,
      value,
      `has an invalid storage account name "${account}" (3-24 lowercase letters and digits)`,
    );
  }
  if (container === '') throw invalid(name, value, 'names no container: az://account/container/prefix');
  if (container.length < 3 || container.length > 63 || !CONTAINER.test(container)) {
    throw invalid(
      name,
      value,
      `has an invalid container name "${container}" (3-63 lowercase letters, digits and single dashes, or $web)`,
    );
  }
  const prefix = prefixOf(match[3] ?? '', value, name);
  const { description } = storeLocation(`az://${account}/${container}`, prefix);
  return { kind: 'azure', account, container, prefix, description };
}

/** The path after the bucket or container, without its outer slashes. */
function prefixOf(path: string, value: string, name: string): string {
  const prefix = path.replace(/^\/+|\/+$/g, '');
  const segments = prefix === '' ? [] : prefix.split('/');
  // A URL path never holds these as segments, so an object stored under them is unreachable.
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw invalid(name, value, 'has an empty, "." or ".." segment in its prefix');
  }
  return prefix;
}
