/**
 * What every check produces: a stable name scripts can match, a verdict, and one line
 * saying why. `warn` never fails a run; `fail` always does.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

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

export function hasFailure(results: readonly CheckResult[]): boolean {
  return results.some((result) => result.status === 'fail');
}
