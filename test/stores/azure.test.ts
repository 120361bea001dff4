/**
 * The store contract on Azure Blob Storage: Azurite, reached through the fault proxy
 * (test/publish.support.ts) that sees every request the store makes and refuses or stalls
 * the ones a test picks with Azure's own replies; the contract writes to `$web`, the static
 * website's container. The store gets its credentials as a run does, from
 * AZURE_STORAGE_CONNECTION_STRING (here Azurite's account, with the proxy as its endpoint).
 * What landed is what the proxy passed on; what Azurite holds is read with a client of its
 * own, straight from Azurite. Then what only Azure has: its error codes, a missing
 * container, and a connection string that does not fit the destination.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/stores/destination.js';
import { openStore, type StoreOptions } from '../../src/stores/open.js';
import { MAX_STORED_OBJECT_BYTES, type ObjectStore } from '../../src/stores/store.js';
import {
  AZURE_PERMISSION_MISMATCH,
  azureRefusal,
  type FaultProxy,
  type FaultRule,
  type ProxiedRequest,
  STALL,
  startFaultProxy,
} from '../publish.support.js';
import { AZURITE_ACCOUNT } from '../support/azurite.js';
import { type SharedAzurite, sharedAzurite } from '../support/shared-azurite.js';
import { describeStoreContract, literally, type ObservedCall, type StoreSite } from './contract.js';

const CONTAINER = '$web';
let azurite: SharedAzurite;
let proxy: FaultProxy;
let service: BlobServiceClient;
let sites = 0;
/** Every request through the proxy, in order, and those it passed on to Azurite. */
const seen: ProxiedRequest[] = [];
const landed: ProxiedRequest[] = [];
/** Each site's refusal or stall, if any (a contract rule matches only its own site's blobs); `only-azure` is the rule of the Azure-only cases, which run one at a time. */
const faults = new Map<string, FaultRule>();
const ONLY_AZURE = 'only-azure';
const setFault = (rule: FaultRule) => faults.set(ONLY_AZURE, rule);
const savedConnectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;

/** The blob a request is about, decoded (the SDK writes `$web` as `%24web`). */
function blobOf(path: string): string | undefined {
  const prefix = `/${AZURITE_ACCOUNT}/${CONTAINER}/`;
  const decoded = decodeURIComponent(path);
  return decoded.startsWith(prefix) ? decoded.slice(prefix.length) : undefined;
}

function destination(container: string, prefix: string): Destination & { kind: 'azure' } {
  return {
    kind: 'azure',
    account: AZURITE_ACCOUNT,
    container,
    prefix,
    description: `az://${AZURITE_ACCOUNT}/${container}/${prefix}`,
  };
}

describeStoreContract({
  name: 'Azure',
  async start() {
    azurite = await sharedAzurite();
    proxy = await startFaultProxy(`http://127.0.0.1:${azurite.port}`);
    proxy.refuse((request) => {
      seen.push(request);
      let refusal: ReturnType<FaultRule>;
      for (const rule of faults.values()) {
        refusal = rule(request);
        if (refusal) break;
      }
      if (!refusal) landed.push(request);
      return refusal;
    });
    service = BlobServiceClient.fromConnectionString(azurite.connectionString());
    await service.getContainerClient(CONTAINER).createIfNotExists();
    // Read by the store when it is opened, as in a pod: Azurite's account, through the proxy.
    process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString(`${proxy.url}/${AZURITE_ACCOUNT}`);
  },
  async stop() {
    if (savedConnectionString === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    else process.env.AZURE_STORAGE_CONNECTION_STRING = savedConnectionString;
    await proxy?.close();
  },
  async site(): Promise<StoreSite> {
    const prefix = `site-${++sites}`;
    const keyOf = (path: string) => {
      const blob = blobOf(path);
      return blob?.startsWith(`${prefix}/`) ? blob.slice(prefix.length + 1) : undefined;
    };
    let seenMark = 0;
    let landedMark = 0;
    const locate = (key: string) => `az://${AZURITE_ACCOUNT}/${CONTAINER}/${prefix}/${key}`;
    const refusal = {
      code: 'STORE_ACCESS_DENIED' as const,
      line: /: the container refuses --public-read \(Azure Blob Storage has no per-blob ACLs: .*\$web/,
    };
    return {
      description: `az://${AZURITE_ACCOUNT}/${CONTAINER}/${prefix}`,
      locate,
      recordsHeaders: true,
      open: (timeoutMs = 10_000) => openStore(destination(CONTAINER, prefix), { timeoutMs }),
      async readBack(key) {
        const blob = service.getContainerClient(CONTAINER).getBlockBlobClient(`${prefix}/${key}`);
        if (!(await blob.exists())) return undefined;
        const [properties, body] = await Promise.all([blob.getProperties(), blob.downloadToBuffer()]);
        return {
          body,
          contentType: properties.contentType,
          cacheControl: properties.cacheControl,
          sha256: properties.metadata?.sha256,
          publicRead: properties.metadata?.acl === 'public-read',
        };
      },
      async mark() {
        seenMark = seen.length;
        landedMark = landed.length;
      },
      calls: () =>
        seen.slice(seenMark).flatMap((request): ObservedCall[] => {
          const key = keyOf(request.path);
          const op = ({ HEAD: 'head', GET: 'get', PUT: 'put' } as const)[request.method as 'HEAD'];
          return key !== undefined && op ? [{ op, key }] : [];
        }),
      writes: async () =>
        landed.slice(landedMark).flatMap((request) => {
          const key = keyOf(request.path);
          return request.method === 'PUT' && key !== undefined ? [key] : [];
        }),
      async refuseWrites(key) {
        faults.set(prefix, ({ method, path }) =>
          method === 'PUT' && keyOf(path) === key ? AZURE_PERMISSION_MISMATCH : undefined,
        );
        return {
          code: 'STORE_ACCESS_DENIED',
          line: new RegExp(
            `^${literally(locate(key))}: access denied \\(HTTP 403 AuthorizationPermissionMismatch\\); the identity needs the Storage Blob Data Contributor role on the container or the storage account$`,
          ),
        };
      },
      // Nothing to set up: the store refuses every such write itself.
      refusePublicRead: () => refusal,
      publicReadAlwaysRefused: refusal,
      stall(key) {
        faults.set(prefix, ({ method, path }) =>
          method === 'PUT' && keyOf(path) === key ? STALL : undefined,
        );
      },
      async heal() {
        faults.delete(prefix);
      },
    };
  },
});

describe('Azure store: what only Azure has', () => {
  const opened: ObjectStore[] = [];
  let prefixes = 0;
  afterEach(() => {
    faults.delete(ONLY_AZURE);
    for (const store of opened.splice(0)) store.close();
  });

  async function open(container = CONTAINER, options: Partial<StoreOptions> = {}) {
    const store = await openStore(destination(container, `errors-${++prefixes}`), {
      timeoutMs: 10_000,
      ...options,
    });
    opened.push(store);
    return store;
  }
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => ({ code: 'none', message: 'it did not fail' }),
      (error: Error & { code?: string }) => ({ code: error.code, message: error.message }),
    );
  const body = Buffer.from('{}');
  const put = { contentType: 'application/json', cacheControl: 'no-cache', sha256: '"x"', publicRead: false };

  it('a container that does not exist: the read says so first, and how to create it', async () => {
    const store = await open('absent');
    const where = store.locate('openid/v1/jwks');
    expect(await failureOf(store.head('openid/v1/jwks'))).toEqual({
      code: 'STORE_READ_FAILED',
      message: `${where}: the container does not exist; create it (az storage container create --name absent --auth-mode login)`,
    });
    expect(await failureOf(store.get('openid/v1/jwks'))).toMatchObject({ code: 'STORE_READ_FAILED' });
    expect(await failureOf(store.put('openid/v1/jwks', body, put))).toMatchObject({
      code: 'STORE_WRITE_FAILED',
      message: expect.stringContaining(': the container does not exist; create it'),
    });
  });

  it('$web missing means the static website is off, and the line says to turn it on', async () => {
    setFault(({ method }) =>
      method === 'HEAD'
        ? azureRefusal(404, 'ContainerNotFound', 'The specified container does not exist.')
        : undefined,
    );
    const store = await open();
    expect(await failureOf(store.head('openid/v1/jwks'))).toEqual({
      code: 'STORE_READ_FAILED',
      message: `${store.locate('openid/v1/jwks')}: the container does not exist; enable the static website on the storage account, which creates $web`,
    });
  });

  it.each([
    [
      'AuthorizationPermissionMismatch',
      'HEAD',
      'the identity needs the Storage Blob Data Reader role, or the Storage Blob Data Contributor role on the container or the storage account (which includes it)',
    ],
    [
      'AuthorizationFailure',
      'PUT',
      'the storage account refuses this client: its public network access is disabled, or a firewall or private endpoint keeps the publisher out; allow its network',
    ],
    [
      'KeyBasedAuthenticationNotPermitted',
      'GET',
      'the storage account allows no shared key access: unset AZURE_STORAGE_CONNECTION_STRING and use an Azure identity with the Storage Blob Data Contributor role on the container or the storage account',
    ],
    [
      'AuthenticationFailed',
      'PUT',
      'the credentials were refused: a wrong key or an expired SAS in AZURE_STORAGE_CONNECTION_STRING, or a token for another tenant',
    ],
    [
      'SomethingNew',
      'PUT',
      'the identity needs the Storage Blob Data Contributor role on the container or the storage account',
    ],
  ] as const)('a 403 %s on %s: one line with what to fix', async (code, method, hint) => {
    setFault((request) =>
      request.method === method ? azureRefusal(403, code, 'This request is not authorized.') : undefined,
    );
    const store = await open();
    const call =
      method === 'HEAD'
        ? store.head(STATE)
        : method === 'GET'
          ? store.get(STATE)
          : store.put(STATE, body, put);
    expect(await failureOf(call)).toEqual({
      code: 'STORE_ACCESS_DENIED',
      message: `${store.locate(STATE)}: access denied (HTTP 403 ${code}); ${hint}`,
    });
  });

  it('a call past the deadline is aborted: its connection is closed, not left waiting on the store', async () => {
    setFault(({ method }) => (method === 'PUT' ? STALL : undefined));
    const store = await openStore(destination(CONTAINER, `errors-${++prefixes}`), { timeoutMs: 200 });
    opened.push(store);
    expect(await failureOf(store.put(STATE, body, put))).toMatchObject({ code: 'STORE_TIMEOUT' });
    const path = `PUT /${AZURITE_ACCOUNT}/%24web/errors-${prefixes}/${STATE}`;
    await expect.poll(() => proxy.abandoned, { timeout: 2000, interval: 20 }).toContain(path);
  });

  it('an object larger than a stored document may be is refused by its length, before its bytes are read', async () => {
    const store = await open();
    const size = MAX_STORED_OBJECT_BYTES + 1;
    await service
      .getContainerClient(CONTAINER)
      .getBlockBlobClient(`errors-${prefixes}/${STATE}`)
      .upload(Buffer.alloc(size, 0x20), size);
    expect(await failureOf(store.get(STATE))).toEqual({
      code: 'STORE_READ_FAILED',
      message: `${store.locate(STATE)}: ${size} bytes, more than the ${MAX_STORED_OBJECT_BYTES} a stored document may have`,
    });
  });

  it('a connection string of another account is refused before any request: nothing is written elsewhere', async () => {
    const before = seen.length;
    const other = process.env.AZURE_STORAGE_CONNECTION_STRING?.replace(
      `AccountName=${AZURITE_ACCOUNT}`,
      'AccountName=otheraccount',
    ).replace(`/${AZURITE_ACCOUNT};`, '/otheraccount;');
    const error = await withConnectionString(other, () => failureOf(open()));
    expect(error).toEqual({
      code: 'CONFIG_INVALID',
      message: `AZURE_STORAGE_CONNECTION_STRING is for the storage account "otheraccount", not "${AZURITE_ACCOUNT}" of az://${AZURITE_ACCOUNT}/$web/errors-${prefixes}: give the connection string of that account, or unset it to use an Azure identity`,
    });
    expect(seen.length).toBe(before);
  });

  it('a malformed connection string: one line saying what it should look like, none of its text', async () => {
    const error = await withConnectionString(
      'AccountName=x;AccountKey=SECRETKEY==;DefaultEndpointsProtocol=ftp',
      () => failureOf(open()),
    );
    expect(error).toEqual({
      code: 'CONFIG_INVALID',
      message:
        "AZURE_STORAGE_CONNECTION_STRING is not a storage connection string (Invalid DefaultEndpointsProtocol in the provided Connection String. Expecting 'https' or 'http'): AccountName=...;AccountKey=...[;BlobEndpoint=...], or BlobEndpoint=...;SharedAccessSignature=...",
    });
    expect(error.message).not.toContain('SECRETKEY');
  });

  it('--azure-endpoint must agree with the connection string; the same endpoint is fine', async () => {
    const agreeing = await open(CONTAINER, { azureEndpoint: `${proxy.url}/${AZURITE_ACCOUNT}/` });
    await agreeing.put(STATE, body, put);
    expect((await agreeing.get(STATE))?.equals(body)).toBe(true);
    expect(await failureOf(open(CONTAINER, { azureEndpoint: azurite.endpoint }))).toEqual({
      code: 'CONFIG_INVALID',
      message: `--azure-endpoint ${azurite.endpoint} and AZURE_STORAGE_CONNECTION_STRING name different endpoints: put the endpoint in the connection string (BlobEndpoint=...), or unset one of them`,
    });
  });
});

const STATE = '.kube-oidc-gateway/state.json';

async function withConnectionString<T>(value: string | undefined, run: () => Promise<T>): Promise<T> {
  const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (value === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
  else process.env.AZURE_STORAGE_CONNECTION_STRING = value;
  try {
    return await run();
  } finally {
    process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
  }
}
