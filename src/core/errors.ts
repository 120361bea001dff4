/**
 * Typed errors with stable codes. Every failure that reaches a user is one of these:
 * the message is one line naming the problem, the code is what scripts and tests match.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
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
};

/**
 * Why an I/O call failed, in words: `no such file or directory (ENOENT)` for a system
 * error, otherwise the first line of the message.
 */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) {
    const words = ERRNO_WORDS[code];
    return words ? `${words} (${code})` : code;
  }
  return describeError(error);
}
