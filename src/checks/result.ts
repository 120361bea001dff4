/**
 * What every check produces: a stable name scripts can match, a verdict, and one line
 * saying why. `warn` never fails a run; `fail` always does. `skip` marks a check that was
 * deliberately not run because an earlier check failed what it needs (a URL that must not
 * be fetched); it fails nothing itself, the earlier failure already does.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
}

export function ok(check: string, message: string): CheckResult {
  return { check, status: 'ok', message };
}

export function warn(check: string, message: string): CheckResult {
  return { check, status: 'warn', message };
}

export function fail(check: string, message: string): CheckResult {
  return { check, status: 'fail', message };
}

export function skip(check: string, message: string): CheckResult {
  return { check, status: 'skip', message };
}

export function hasFailure(results: readonly CheckResult[]): boolean {
  return results.some((result) => result.status === 'fail');
}
