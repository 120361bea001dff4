/**
 * How a store SDK's failure becomes the one line a user reads. What each backend knows
 * about its own errors (credential chains, ACL refusals, the roles it needs) stays in its
 * module; the wording of the lines is here, so every store says the same things alike.
 */
import { GatewayError, systemReason } from '../core/errors.js';

export interface StoreCall {
  action: 'read' | 'write';
  /** Where the object is: `s3://bucket/prefix/key`. */
  location: string;
}

/** The parts of an SDK error that decide its line. */
export interface SdkFailure extends StoreCall {
  status: number | undefined;
  /** The SDK's error name or code (`NoSuchBucket`), when it gives one. */
  name: string | undefined;
  /** The first line of its message. */
  message: string;
  cause: unknown;
}

export function sdkFailure(
  error: unknown,
  call: StoreCall,
  status: number | undefined,
  name?: string,
): SdkFailure {
  // A socket error in words (`connection refused (ECONNREFUSED)`), not the SDK's `connect ECONNREFUSED …`.
  const words = systemReason(error);
  const message = words ?? String((error as Error | null)?.message ?? error).split('\n')[0] ?? '';
  // `Error` names nothing; an SDK's own name (`NoSuchBucket`) does.
  return { ...call, status, name: name === 'Error' ? undefined : name, message, cause: error };
}

function failedCode(action: StoreCall['action']): 'STORE_READ_FAILED' | 'STORE_WRITE_FAILED' {
  return action === 'read' ? 'STORE_READ_FAILED' : 'STORE_WRITE_FAILED';
}

/** No credentials at all: `chain` says where the SDK looked. */
export function noCredentials(call: StoreCall, chain: string): GatewayError {
  return new GatewayError('STORE_ACCESS_DENIED', `${call.location}: no ${chain}`);
}

/** The identity lacks a permission; `hint` names it. */
export function accessDenied(failure: SdkFailure, hint: string): GatewayError {
  const reply = [failure.status && `HTTP ${failure.status}`, failure.name].filter(Boolean).join(' ');
  return new GatewayError('STORE_ACCESS_DENIED', `${failure.location}: access denied (${reply}); ${hint}`);
}

/** --public-read cannot work on this bucket (or container): `why`, and what to do `instead`. */
export function publicReadRefused(
  call: StoreCall,
  why: string,
  instead: string,
  what = 'bucket',
): GatewayError {
  return new GatewayError(
    'STORE_ACCESS_DENIED',
    `${call.location}: the ${what} refuses --public-read (${why}); drop --public-read and ${instead}`,
  );
}

/** The bucket (or container) is not there; `hint` says how it comes to be. */
export function noBucket(call: StoreCall, what = 'bucket', hint?: string): GatewayError {
  return new GatewayError(
    failedCode(call.action),
    `${call.location}: the ${what} does not exist${hint ? `; ${hint}` : ''}`,
  );
}

/** Anything else: the reply as the SDK gave it, on one line. */
export function otherFailure(failure: SdkFailure): GatewayError {
  const reply = [failure.status && `HTTP ${failure.status}`, failure.name].filter(Boolean).join(' ');
  return new GatewayError(
    failedCode(failure.action),
    `${failure.location}: ${failure.action} failed (${reply ? `${reply}: ` : ''}${failure.message})`,
    { cause: failure.cause },
  );
}
