/**
 * The two output formats: one line per check for people and CI logs, or one JSON document.
 * Messages quote remote strings (issuers, URLs, kids, headers, servers' errors); in text
 * their control characters are escaped, so every check is exactly one line.
 */

import { type CheckResult, type CheckStatus, hasFailure } from '../checks/result.js';
import { printable } from '../core/printable.js';

const LABELS: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** `ok|FAIL|warn|skip <check>: <why>`, one line each, newline-terminated. */
export function formatText(results: readonly CheckResult[]): string {
  return results.map((r) => `${LABELS[r.status]} ${r.check}: ${printable(r.message)}\n`).join('');
}

export function formatJson(issuer: string, results: readonly CheckResult[]): string {
  const report = { issuer, ok: !hasFailure(results), checks: results };
  return `${JSON.stringify(report, null, 2)}\n`;
}
