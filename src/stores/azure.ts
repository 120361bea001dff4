/**
 * Azure Blob Storage. This module, and with it @azure/storage-blob, is imported only when a
 * destination is az:// (stores/open.ts); @azure/identity only when no connection string is
 * set. Credentials: AZURE_STORAGE_CONNECTION_STRING when set (an account key or a SAS:
 * Azurite, scripts); otherwise DefaultAzureCredential, whose chain covers workload identity
 * (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID), managed identity and the
 * Azure CLI.
 *
 * Invariants:
 * - one request per call: HEAD is Get Blob Properties, GET one Get Blob (its bytes counted
 *   and refused past MAX_STORED_OBJECT_BYTES), PUT one Put Blob, which replaces the blob
 *   whole: readers see the old bytes or the new;
 * - every call takes the run deadline's AbortSignal, so a stalled request is aborted with it;
 * - the connection string must name the destination's account: a run never writes to
 *   another account than the one its --dest names;
 * - Azure has no per-blob ACL (anonymous read is a container setting), so a --public-read
 *   write is refused before any request, with what to do instead.
 */
import { BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { GatewayError } from '../core/errors.js';
import { readAtMost, tooLarge } from './bounded-read.js';
import * as storeErrors from './errors.js';
import type { ObjectStore, PutOptions, StoredObject } from './store.js';
import { abortOption, joinKey, MAX_STORED_OBJECT_BYTES, storeLocation } from './store.js';

export interface AzureStoreOptions {
  account: string;
  container: string;
  prefix: string;
  /**
   * The Blob service endpoint instead of `https://<account>.blob.core.windows.net`: a
   * sovereign cloud, or an emulator (`http://127.0.0.1:10000/devstoreaccount1`).
   */
  endpoint?: string | undefined;
  /** AZURE_STORAGE_CONNECTION_STRING; without it, DefaultAzureCredential. */
  connectionString?: string | undefined;
  /** The run's per-call deadline; each call is also aborted through its signal at that moment. */
  timeoutMs: number;
}

const CONNECTION_STRING = 'AZURE_STORAGE_CONNECTION_STRING';

/** The role a publisher's identity needs, in the words of Azure's built-in roles. */
const WRITE_ROLE = 'the Storage Blob Data Contributor role on the container or the storage account';

export async function createAzureStore(options: AzureStoreOptions): Promise<ObjectStore> {
  const { account, container, prefix } = options;
  const location = storeLocation(`az://${account}/${container}`, prefix);
  const { locate } = location;
  const blobs = (await serviceClient(options, location.description)).getContainerClient(container);
  const blob = (key: string) => blobs.getBlockBlobClient(joinKey(prefix, key));
  const fail = (error: unknown, call: storeErrors.StoreCall) => azureError(error, call, container);

  return {
    ...location,
    recordsHeaders: true,
    async head(key: string, signal?: AbortSignal): Promise<StoredObject | undefined> {
      try {
        const properties = await blob(key).getProperties(abortOption(signal));
        return {
          sha256: properties.metadata?.sha256,
          contentType: properties.contentType,
          cacheControl: properties.cacheControl,
          // Never set: there is no per-blob ACL to record (see put).
          publicRead: false,
        };
      } catch (error) {
        if (errorCodeOf(error) === 'BlobNotFound') return undefined;
        throw fail(error, { action: 'read', location: locate(key) });
      }
    },
    async get(key: string, signal?: AbortSignal): Promise<Buffer | undefined> {
      try {
        const download = await blob(key).download(0, undefined, abortOption(signal));
        const body = download.readableStreamBody as (NodeJS.ReadableStream & { destroy(): void }) | undefined;
        if ((download.contentLength ?? 0) > MAX_STORED_OBJECT_BYTES) {
          body?.destroy();
          throw tooLarge(locate(key), MAX_STORED_OBJECT_BYTES, download.contentLength);
        }
        return body ? await readAtMost(body, MAX_STORED_OBJECT_BYTES, locate(key)) : Buffer.alloc(0);
      } catch (error) {
        if (errorCodeOf(error) === 'BlobNotFound') return undefined;
        throw fail(error, { action: 'read', location: locate(key) });
      }
    },
    async put(key: string, body: Buffer, put: PutOptions, signal?: AbortSignal): Promise<void> {
      const call: storeErrors.StoreCall = { action: 'write', location: locate(key) };
      if (put.publicRead) {
        throw storeErrors.publicReadRefused(
          call,
          'Azure Blob Storage has no per-blob ACLs: anonymous read is set on the container',
          `serve the documents from the static website's $web container, or allow anonymous read on ` +
            `the container (access level "blob"; docs/how-to/azure-container.md)`,
          'container',
        );
      }
      try {
        // A Buffer of known length: one Put Blob request, never staged blocks.
        await blob(key).upload(body, body.length, {
          blobHTTPHeaders: { blobContentType: put.contentType, blobCacheControl: put.cacheControl },
          metadata: { sha256: put.sha256 },
          ...abortOption(signal),
        });
      } catch (error) {
        throw fail(error, call);
      }
    },
    // The SDK's keep-alive sockets are unreferenced when idle: nothing to close.
    close(): void {},
  };
}

async function serviceClient(options: AzureStoreOptions, description: string): Promise<BlobServiceClient> {
  // The deadline (stores/deadline.ts) bounds each call, retries included; two more tries,
  // half a second apart, for a 500, a 503 or a reset connection.
  const pipeline: StoragePipelineOptions = { retryOptions: { maxTries: 3, retryDelayInMs: 500 } };
  if (options.connectionString) {
    const client = fromConnectionString(options.connectionString, pipeline);
    if (client.accountName !== options.account) {
      throw new GatewayError(
        'CONFIG_INVALID',
        `${CONNECTION_STRING} is for the storage account "${client.accountName}", not "${options.account}" of ${description}: ` +
          'give the connection string of that account, or unset it to use an Azure identity',
      );
    }
    if (options.endpoint && !sameEndpoint(options.endpoint, client.url)) {
      throw new GatewayError(
        'CONFIG_INVALID',
        `--azure-endpoint ${options.endpoint} and ${CONNECTION_STRING} name different endpoints: ` +
          'put the endpoint in the connection string (BlobEndpoint=...), or unset one of them',
      );
    }
    return client;
  }
  const endpoint = options.endpoint ?? `https://${options.account}.blob.core.windows.net`;
  const { DefaultAzureCredential } = await import('@azure/identity');
  let credential: InstanceType<typeof DefaultAzureCredential>;
  try {
    credential = new DefaultAzureCredential();
  } catch (error) {
    // An invalid AZURE_TOKEN_CREDENTIALS, named in the message (it holds no secret).
    throw new GatewayError('CONFIG_INVALID', String((error as Error).message).split('\n')[0] ?? '');
  }
  return new BlobServiceClient(endpoint, credential, pipeline);
}

function fromConnectionString(connectionString: string, pipeline: StoragePipelineOptions): BlobServiceClient {
  try {
    return BlobServiceClient.fromConnectionString(connectionString, pipeline);
  } catch (error) {
    // The SDK's reasons are fixed sentences ("Invalid AccountKey in the provided Connection
    // String"); anything else is left out, so no part of the secret can reach a log.
    const reason = String((error as Error).message);
    const shown = /^[\w '.,-]{1,200}$/.test(reason) ? ` (${reason})` : '';
    throw new GatewayError(
      'CONFIG_INVALID',
      `${CONNECTION_STRING} is not a storage connection string${shown}: ` +
        'AccountName=...;AccountKey=...[;BlobEndpoint=...], or BlobEndpoint=...;SharedAccessSignature=...',
    );
  }
}

/** Whether two endpoint URLs are the same place, whatever their trailing slash or query (a SAS). */
function sameEndpoint(a: string, b: string): boolean {
  const normal = (url: string) => {
    const parsed = URL.parse(url);
    return parsed ? `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}` : url;
  };
  return normal(a) === normal(b);
}

/** The service's error code: from the body, or (a HEAD has none) the x-ms-error-code header. */
function errorCodeOf(error: unknown): string | undefined {
  const rest = error as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const code = rest?.details?.errorCode ?? rest?.code;
  return typeof code === 'string' ? code : undefined;
}

/** One line naming the object, the Azure error, and what usually fixes it. */
function azureError(error: unknown, call: storeErrors.StoreCall, container: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const name = (error as Error | null)?.name;
  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
    return storeErrors.noCredentials(
      call,
      `Azure credentials found (${CONNECTION_STRING}; workload identity: AZURE_FEDERATED_TOKEN_FILE, ` +
        'AZURE_CLIENT_ID, AZURE_TENANT_ID; a managed identity; az login)',
    );
  }
  const status = (error as { statusCode?: number }).statusCode;
  const code = errorCodeOf(error);
  const failure = storeErrors.sdkFailure(error, call, status, code);
  switch (code) {
    case 'ContainerNotFound':
      return storeErrors.noBucket(
        call,
        'container',
        container === '$web'
          ? 'enable the static website on the storage account, which creates $web'
          : `create it (az storage container create --name ${container} --auth-mode login)`,
      );
    case 'AuthorizationPermissionMismatch':
      return storeErrors.accessDenied(
        failure,
        call.action === 'read'
          ? `the identity needs the Storage Blob Data Reader role, or ${WRITE_ROLE} (which includes it)`
          : `the identity needs ${WRITE_ROLE}`,
      );
    case 'AuthorizationFailure':
      return storeErrors.accessDenied(
        failure,
        'the storage account refuses this client: its public network access is disabled, or a ' +
          'firewall or private endpoint keeps the publisher out; allow its network',
      );
    case 'KeyBasedAuthenticationNotPermitted':
      return storeErrors.accessDenied(
        failure,
        `the storage account allows no shared key access: unset ${CONNECTION_STRING} and use an ` +
          `Azure identity with ${WRITE_ROLE}`,
      );
    case 'AuthenticationFailed':
      return storeErrors.accessDenied(
        failure,
        `the credentials were refused: a wrong key or an expired SAS in ${CONNECTION_STRING}, ` +
          'or a token for another tenant',
      );
  }
  if (status === 403 || status === 401)
    return storeErrors.accessDenied(failure, `the identity needs ${WRITE_ROLE}`);
  return storeErrors.otherFailure(failure);
}
