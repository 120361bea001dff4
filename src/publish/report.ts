/**
 * What a run prints: the source, then one line per object per destination (and per public
 * check), or the same facts as one JSON document with --output json. Warnings and the final error go to
 * stderr, so stdout stays parseable.
 */

import type { CheckResult } from '../checks/result.js';
import type { ReportedError } from '../core/errors.js';
import { printable } from '../core/printable.js';
import type { PublicCheckResult } from './public-check.js';
import type { DestinationResult, ObjectResult } from './sync.js';

export interface PublishReport {
  ok: boolean;
  dryRun: boolean;
  source?: string | undefined;
  /** The issuer published. */
  issuer?: string | undefined;
  /** The issuer the cluster's discovery document names, when another one was published (--issuer). */
  clusterIssuer?: string | undefined;
  jwksUri?: string | undefined;
  destinations: DestinationResult[];
  publicChecks: PublicCheckResult[];
  /** --verify: verify's checks, per public URL. */
  verify: Array<{ url: string; checks: CheckResult[] }>;
  warnings: string[];
  error?: ReportedError;
  durationMs?: number;
}

const STATUS_WIDTH = 9;
const VERIFY_LABELS = { ok: 'ok', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;

function jwksDetail(result: DestinationResult): string {
  const keys = result.keys;
  if (!keys) return '';
  const parts: string[] = [];
  if (keys.added.length > 0) parts.push(`added ${keys.added.join(', ')}`);
  for (const retained of keys.retained) parts.push(`retained ${retained.kid} until ${retained.until}`);
  if (keys.dropped.length > 0) parts.push(`dropped ${keys.dropped.join(', ')}`);
  return `  ${keys.kids.length} key${keys.kids.length === 1 ? '' : 's'}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
}

function objectLine(result: DestinationResult, object: ObjectResult): string[] {
  const head = `${object.status.padEnd(STATUS_WIDTH)} ${object.location}`;
  if (object.status === 'failed') return [`${head}  ${object.error?.code}: ${object.error?.message}`];
  if (object.status === 'skipped') return [`${head}  (not written: an earlier write failed)`];
  const detail = object.kind === 'jwks' ? jwksDetail(result) : '';
  const lines = [`${head}  ${object.bytes} bytes${detail}`];
  for (const line of object.diff ?? []) lines.push(`    ${line}`);
  return lines;
}

export function formatText(report: PublishReport): string {
  const lines = [
    ...headerLines(report),
    ...report.destinations.flatMap(destinationLines),
    ...report.publicChecks.map(publicCheckLine),
    ...report.verify.flatMap(verifyLines),
  ];
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Dry run, and where the documents came from: with kubectl's defaults the user may not have named it. */
function headerLines(report: PublishReport): string[] {
  const lines: string[] = [];
  if (report.dryRun) lines.push('dry run: nothing was written');
  if (report.source !== undefined) lines.push(`${'source'.padEnd(STATUS_WIDTH)} ${printable(report.source)}`);
  if (report.clusterIssuer !== undefined) {
    lines.push(
      `${'issuer'.padEnd(STATUS_WIDTH)} ${report.issuer}  (re-issued: the cluster's discovery document names ${report.clusterIssuer})`,
    );
  }
  return lines;
}

function destinationLines(result: DestinationResult): string[] {
  const lines = result.objects.flatMap((object) => objectLine(result, object));
  // A destination that failed before any write (a read, the state, the key limit) has no object lines.
  if (result.error && !result.objects.some((object) => object.status === 'failed')) {
    lines.push(
      `${'failed'.padEnd(STATUS_WIDTH)} ${result.destination}  ${result.error.code}: ${result.error.message}`,
    );
  }
  return lines;
}

function publicCheckLine(check: PublicCheckResult): string {
  const status = check.ok ? 'public' : 'failed';
  return `${status.padEnd(STATUS_WIDTH)} ${check.url}  ${check.ok ? 'same bytes' : check.problem}`;
}

function verifyLines(run: PublishReport['verify'][number]): string[] {
  // verify's messages quote what remote servers sent: escaped, as in verify's own text output.
  return [
    `verify    ${run.url}`,
    ...run.checks.map(
      (check) => `    ${VERIFY_LABELS[check.status]} ${check.check}: ${printable(check.message)}`,
    ),
  ];
}

export function formatJson(report: PublishReport): string {
  // The published bytes are for the public check, not for the report.
  return `${JSON.stringify(report, (key, value) => (key === 'published' ? undefined : value), 2)}\n`;
}
