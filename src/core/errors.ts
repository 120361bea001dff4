/**
 * Typed errors with stable codes. Every failure that reaches a user is one of these:
 * the message is one line naming the problem, the code is what scripts and tests match,
 * and the code alone decides the exit code (EXIT_CODES).
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'KUBECONFIG_INVALID'
  | 'SOURCE_CREDENTIALS'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_STATUS'
  | 'UPSTREAM_NOT_JSON'
  | 'UPSTREAM_TOO_LARGE'
  | 'DISCOVERY_INVALID'
  | 'JWKS_INVALID'
  | 'JWKS_PRIVATE_KEY'
  | 'JWKS_DUPLICATE_KID'
  | 'KEY_INVALID'
  | 'STORE_READ_FAILED'
  | 'STORE_WRITE_FAILED'
  | 'STORE_ACCESS_DENIED'
  | 'STORE_TIMEOUT'
  | 'PUBLISH_INVALID'
  | 'PUBLIC_CHECK_FAILED';

/** A run that failed: the upstream, a store, a check. */
export const EXIT_FAILURE = 1;
/** Bad usage or configuration: a flag, a variable, or an input file the user named. */
export const EXIT_USAGE = 2;

/**
 * The one rule for exit codes. Usage (2): what the user gave is wrong or cannot be read —
 * a flag or variable, no way to reach a cluster, and every input file read once at the
 * start (--ca, --from-keys, --kubeconfig and kubectl's default kubeconfig, verify --token).
 * A failed run (1): everything met while running, including the credentials re-read on
 * every fetch (the ServiceAccount token and CA, which kubelet writes and rotates) and a
 * kubeconfig's exec plugin. A Record, so a new code cannot be added without its exit code;
 * its keys are also the list of codes docs/reference/errors.md is generated from.
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, typeof EXIT_FAILURE | typeof EXIT_USAGE>> = {
  CONFIG_INVALID: EXIT_USAGE,
  KUBECONFIG_INVALID: EXIT_USAGE,
  KEY_INVALID: EXIT_USAGE,
  SOURCE_CREDENTIALS: EXIT_FAILURE,
  UPSTREAM_UNREACHABLE: EXIT_FAILURE,
  UPSTREAM_TIMEOUT: EXIT_FAILURE,
  UPSTREAM_STATUS: EXIT_FAILURE,
  UPSTREAM_NOT_JSON: EXIT_FAILURE,
  UPSTREAM_TOO_LARGE: EXIT_FAILURE,
  DISCOVERY_INVALID: EXIT_FAILURE,
  JWKS_INVALID: EXIT_FAILURE,
  JWKS_PRIVATE_KEY: EXIT_FAILURE,
  JWKS_DUPLICATE_KID: EXIT_FAILURE,
  STORE_READ_FAILED: EXIT_FAILURE,
  STORE_WRITE_FAILED: EXIT_FAILURE,
  STORE_ACCESS_DENIED: EXIT_FAILURE,
  STORE_TIMEOUT: EXIT_FAILURE,
  PUBLISH_INVALID: EXIT_FAILURE,
  PUBLIC_CHECK_FAILED: EXIT_FAILURE,
};

/** The exit code for whatever ended a command: its code's, and 1 for anything that is not a GatewayError. */
export function exitCodeOf(error: unknown): typeof EXIT_FAILURE | typeof EXIT_USAGE {
  return error instanceof GatewayError ? EXIT_CODES[error.code] : EXIT_FAILURE;
}

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A failure as reports carry it (publish's JSON report, per destination and per run). */
export interface ReportedError {
  code: ErrorCode;
  message: string;
}

export function isGatewayError(error: unknown, code?: ErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code);
}

/** One line for a log or a terminal, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof GatewayError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}

/** System error codes people meet here, in words; the code stays in brackets for searching. */
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'a symbolic link where none may be',
  EMFILE: 'too many open files',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the peer',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found in DNS',
  EAI_AGAIN: 'DNS lookup failed for now (try again)',
  EPIPE: 'the other end closed the connection',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not one of this machine',
};

/**
 * Why an I/O call failed, in words: `no such file or directory (ENOENT)` for a system
 * error people meet here; otherwise the first line of the message, with the error's code
 * (`ERR_TLS_CERT_ALTNAME_INVALID`, `DEPTH_ZERO_SELF_SIGNED_CERT`, an errno not listed above)
 * added when the line lacks it, so it can still be searched for.
 */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code)) return describeError(error);
  const words = ERRNO_WORDS[code];
  if (words) return `${words} (${code})`;
  const line = describeError(error);
  return line === '' ? code : line.includes(code) ? line : `${line} (${code})`;
}

/** How deep systemReason looks into `cause`: SDKs wrap a socket error once or twice. */
const MAX_CAUSE_DEPTH = 4;

/**
 * A listed system error (ERRNO_WORDS) in words, found in the error or the causes it wraps
 * (an SDK's "connect ECONNREFUSED 127.0.0.1:9"); undefined when there is none.
 */
export function systemReason(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && ERRNO_WORDS[code]) return `${ERRNO_WORDS[code]} (${code})`;
    current = current.cause;
  }
  return undefined;
}
