/**
 * Helpers for the publish tests only: a fault-injecting HTTP proxy in front of the S3, GCS
 * or Azure test server (they accept every write, a real bucket does not), credentials files for
 * the API-server stand-in readable by any user, a loader hook that records which heavy
 * packages a child process imports, and an output sink for in-process runs.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Refusal {
  status: number;
  contentType: string;
  body: string;
  /** More response headers (Azure's x-ms-error-code, which is all a HEAD gets). */
  headers?: Record<string, string>;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Path and query string. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A rule's answer that accepts the request, reads it whole, and never answers: a stalled store. */
export const STALL = 'stall';

/** The object layout under a destination's prefix, as known answers (docs/reference/publish.md). */
export const JWKS_KEY = 'openid/v1/jwks';
export const DISCOVERY_KEY = '.well-known/openid-configuration';
export const STATE_KEY = '.kube-oidc-gateway/state.json';

export type FaultRule = (request: ProxiedRequest) => Refusal | typeof STALL | undefined;

export interface FaultProxy {
  url: string;
  /** Requests that reached the proxy, in order, as "METHOD /path". */
  requests: string[];
  /** Stalled requests whose client gave up and closed the connection, as "METHOD /path". */
  abandoned: string[];
  refuse(rule: FaultRule | undefined): void;
  /**
   * Resolves once no forwarded request is waiting for its answer from the target. A client
   * killed after sending a whole body leaves its request on its way: s3rver writes an object
   * in place, so a read meanwhile could see half of it where S3 shows the old or the new one.
   */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Forwards everything to `target` unless the current rule answers for it first (or stalls it). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rule: Parameters<FaultProxy['refuse']>[0];
  const requests: string[] = [];
  const abandoned: string[] = [];
  const sockets = new Set<Socket>();
  let closing = false;
  let forwarding = 0;
  const waiters: Array<() => void> = [];
  const forwarded = () => {
    forwarding -= 1;
    if (forwarding > 0) return;
    for (const wake of waiters.splice(0)) wake();
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(`${req.method} ${path}`);
    const refusal = rule?.({ method: req.method ?? '', path, url: req.url ?? '/', headers: req.headers });
    if (refusal === STALL) {
      // The socket stays open until the client gives up or the proxy closes.
      req.resume();
      req.socket.once('close', () => {
        if (!closing) abandoned.push(`${req.method} ${path}`);
      });
      return;
    }
    if (refusal) {
      // Read the body first, as a real server does, so the client sees the answer rather than a reset.
      req.resume();
      req.on('end', () => {
        res.writeHead(refusal.status, {
          ...refusal.headers,
          'content-type': refusal.contentType,
          connection: 'close',
        });
        res.end(refusal.body);
      });
      return;
    }
    // Forwarded only once the whole body arrived, as S3 and GCS store an object only when all
    // of it came: the test servers would store the part of a body whose client was killed.
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      forwarding += 1;
      let answered = false;
      const settled = () => {
        if (answered) return;
        answered = true;
        forwarded();
      };
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          // s3rver and the emulator answer once the object is stored.
          settled();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => {
        settled();
        res.destroy();
      });
      forward.end(Buffer.concat(body));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    abandoned,
    refuse(next) {
      rule = next;
    },
    idle: () =>
      forwarding === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    close: async () => {
      closing = true;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** S3's answer to a PutObject the identity may not make. */
export const S3_ACCESS_DENIED: Refusal = {
  status: 403,
  contentType: 'application/xml',
  body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>T</RequestId></Error>',
};

/** S3's answer to an ACL on a bucket with Object Ownership "bucket owner enforced". */
export const S3_ACLS_DISABLED: Refusal = {
  status: 400,
  contentType: 'application/xml',
  body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessControlListNotSupported</Code><Message>The bucket does not allow ACLs</Message><RequestId>T</RequestId></Error>',
};

function gcsError(code: number, message: string, reason: string): Refusal {
  return {
    status: code,
    contentType: 'application/json; charset=UTF-8',
    body: JSON.stringify({ error: { code, message, errors: [{ message, domain: 'global', reason }] } }),
  };
}

/** GCS's answer to an upload the identity may not make. */
export const GCS_FORBIDDEN = gcsError(
  403,
  'publisher@p.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.',
  'forbidden',
);

/** GCS's answer to predefinedAcl on a bucket with uniform bucket-level access. */
export const GCS_UNIFORM_ACCESS = gcsError(
  400,
  'Cannot insert legacy ACL for an object when uniform bucket-level access is enabled. Read more at https://cloud.google.com/storage/docs/uniform-bucket-level-access',
  'invalid',
);

/** Azure Blob Storage's answer with error `code` (in the body and, as a HEAD needs, the header). */
export function azureRefusal(status: number, code: string, message: string): Refusal {
  return {
    status,
    contentType: 'application/xml',
    headers: { 'x-ms-error-code': code },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:2026-03-01T12:00:00.0000000Z</Message></Error>`,
  };
}

/** Azure's answer to an identity without a data role (Storage Blob Data Contributor) on the container. */
export const AZURE_PERMISSION_MISMATCH = azureRefusal(
  403,
  'AuthorizationPermissionMismatch',
  'This request is not authorized to perform this operation using this permission.',
);

export interface StandInCredentials {
  dir: string;
  tokenPath: string;
  caPath: string;
}

/** The token and CA in a directory any user can read (a child may run as nobody). */
export async function writeStandInCredentials(token: string, caCertPem: string): Promise<StandInCredentials> {
  const dir = await mkdtemp(join(tmpdir(), 'kog-publish-creds-'));
  await chmod(dir, 0o755);
  const tokenPath = join(dir, 'token');
  const caPath = join(dir, 'ca.crt');
  // The trailing newline a Secret-mounted or hand-written token file has.
  await writeFile(tokenPath, `${token}\n`, { mode: 0o644 });
  await writeFile(caPath, caCertPem, { mode: 0o644 });
  return { dir, tokenPath, caPath };
}

/**
 * The command-line flags for the argv an in-process run resolves: `true` is a bare switch,
 * a list repeats the flag. One description of a destination serves both kinds of run.
 */
export function cliFlags(argv: Record<string, string | boolean | string[]>): string[] {
  return Object.entries(argv).flatMap(([flag, value]) =>
    value === true ? [`--${flag}`] : value === false ? [] : [value].flat().flatMap((v) => [`--${flag}`, v]),
  );
}

/** stdout/stderr for an in-process run. */
export function captureIo(now?: () => number) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      ...(now ? { now } : {}),
    },
  };
}

export { writeImportRecorder } from './support/import-recorder.js';
