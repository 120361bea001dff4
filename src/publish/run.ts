/**
 * One publish run: fetch and render the documents once through the shared core (exactly
 * what serve would serve), then bring every destination up to date on its own, then
 * optionally check the public URL. The report is printed whatever happened; the caller
 * turns a failed report into the one-line error and the non-zero exit (publishFailure).
 */
import { fetchIssuerDocuments, type IssuerDocuments } from '../core/documents.js';
import { GatewayError, isGatewayError } from '../core/errors.js';
import { createKeyFileSource } from '../core/keys.js';
import { readExtraCa } from '../core/public-get.js';
import { createSource, type DocumentSource } from '../core/source.js';
import { discoveryUrlOf } from '../core/well-known.js';
import type { Destination } from '../stores/destination.js';
import { openStore } from '../stores/open.js';
import type { PublishConfig } from './config.js';
import { jwksKeyOf } from './layout.js';
import { providerWarnings } from './provider-warnings.js';
import { checkPublicUrl } from './public-check.js';
import { formatJson, formatText, type PublishReport } from './report.js';
import { type DestinationResult, type SyncOptions, syncDestination } from './sync.js';

export interface PublishIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The clock for key retention; tests move it. */
  now?: () => number;
}

export async function runPublish(config: PublishConfig, io: PublishIo): Promise<PublishReport> {
  const started = performance.now();
  // Every member named up front, so the JSON report keeps this order whatever is filled in later.
  const report: PublishReport = {
    ok: false,
    dryRun: config.dryRun,
    source: undefined,
    issuer: undefined,
    clusterIssuer: undefined,
    jwksUri: undefined,
    destinations: [],
    publicChecks: [],
    verify: [],
    warnings: [],
  };
  const warn = (message: string) => {
    report.warnings.push(message);
    io.stderr.write(`warning: ${message}\n`);
  };
  try {
    await publish(config, io.now ?? Date.now, report, warn);
  } catch (error) {
    // Before any destination was touched: the source, the documents, or the jwks_uri.
    if (!isGatewayError(error)) throw error;
    report.ok = false;
    report.error = { code: error.code, message: error.message };
  }
  emit(config, io, report, started);
  return report;
}

function emit(config: PublishConfig, io: PublishIo, report: PublishReport, started: number): void {
  report.durationMs = Math.round(performance.now() - started);
  io.stdout.write(config.output === 'json' ? formatJson(report) : formatText(report));
}

async function publish(
  config: PublishConfig,
  now: () => number,
  report: PublishReport,
  warn: (message: string) => void,
): Promise<void> {
  // Read first: a bad --ca is a usage error, found before anything is fetched or written.
  const extraCa = config.caPath === undefined ? undefined : await readExtraCa(config.caPath);
  const documents = await loadDocuments(config, report);
  const { discovery } = documents;
  report.issuer = discovery.document.issuer;
  report.clusterIssuer = discovery.reissuedFrom;
  report.jwksUri = discovery.document.jwks_uri;
  if (discovery.jwksUriRewrittenFrom) {
    warn(
      `jwks_uri ${discovery.jwksUriRewrittenFrom} is not on the issuer's origin; publishing ` +
        `${discovery.document.jwks_uri} instead (--jwks-uri auto)`,
    );
  }
  // Before any destination is touched: a jwks_uri that no object can serve fails the whole run.
  const jwksKey = jwksKeyOf(discovery.document);
  const options: SyncOptions = {
    normalize: config.normalize,
    jwksKey,
    maxAgeSeconds: config.maxAgeSeconds,
    retainMs: config.retainMs,
    publicRead: config.publicRead,
    dryRun: config.dryRun,
    now: now(),
  };
  report.destinations = await Promise.all(
    config.destinations.map((destination) => publishTo(destination, config, documents, options)),
  );
  for (const result of report.destinations) {
    for (const message of result.warnings) warn(`${result.destination}: ${message}`);
  }
  // --provider: warnings only, whatever they say; the run has published (or would have) all the same.
  for (const message of providerWarnings(config.providers, discovery.document.issuer, report.destinations))
    warn(message);
  report.ok = report.destinations.every((result) => result.ok);
  if (report.ok && !config.dryRun && config.checkPublicUrls.length > 0) {
    await checkPublished(
      config,
      { discovery: discovery.body, jwksKey, issuer: discovery.document.issuer, extraCa },
      report,
      warn,
    );
  }
}

/** What the public checks compare with and where. */
interface PublishedFacts {
  /** The discovery document rendered by this run: what the public URL serves if no destination reported its bytes. */
  discovery: Buffer;
  jwksKey: string;
  issuer: string;
  extraCa: string | undefined;
}

/** After a run that published everywhere: the public URLs serve these bytes (--check-public-url), then --verify. */
async function checkPublished(
  config: PublishConfig,
  facts: PublishedFacts,
  report: PublishReport,
  warn: (message: string) => void,
): Promise<void> {
  const published = report.destinations.flatMap((result) => (result.published ? [result.published] : []));
  const expected = {
    discovery: published[0]?.discovery ?? facts.discovery,
    jwks: published.map((bytes) => bytes.jwks),
  };
  const checks = await Promise.all(
    config.checkPublicUrls.map((base) => checkPublicUrl(base, facts.jwksKey, expected, facts.extraCa)),
  );
  report.publicChecks = checks.flat();
  for (const check of report.publicChecks)
    if (check.ok && check.problem) warn(`${check.url}: ${check.problem}`);
  report.ok = report.publicChecks.every((check) => check.ok);
  if (report.ok && config.verify) {
    report.verify = await verifyPublic(config.checkPublicUrls, facts.issuer, {
      ...config.verify,
      extraCa: facts.extraCa,
    });
    report.ok = report.verify.every((run) => run.checks.every((check) => check.status !== 'fail'));
  }
}

/** verify's own checks, as a relying party meets them, through each public URL; loaded only with --verify. */
async function verifyPublic(
  bases: string[],
  issuer: string,
  options: { allowPrivate: boolean; extraCa: string | undefined },
): Promise<PublishReport['verify']> {
  const { runChecks } = await import('../checks/run.js');
  return Promise.all(
    bases.map(async (url) => ({
      url,
      checks: await runChecks({
        issuer,
        discoveryUrl: discoveryUrlOf(url),
        allowPrivate: options.allowPrivate,
        extraCa: options.extraCa,
      }),
    })),
  );
}

async function loadDocuments(config: PublishConfig, report: PublishReport): Promise<IssuerDocuments> {
  const source: DocumentSource =
    config.source.kind === 'keys'
      ? await createKeyFileSource(config.source.files, config.source.issuer)
      : await createSource(config.source.options);
  report.source = source.description;
  const reissueAs = config.source.kind === 'cluster' ? config.source.issuer : undefined;
  try {
    return await fetchIssuerDocuments(source, { ...config.normalize, reissueAs });
  } finally {
    source.close();
  }
}

async function publishTo(
  destination: Destination,
  config: PublishConfig,
  documents: IssuerDocuments,
  options: SyncOptions,
): Promise<DestinationResult> {
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(destination, config.store);
  } catch (error) {
    const message = isGatewayError(error) ? error.message : `cannot open: ${(error as Error).message}`;
    const code = isGatewayError(error) ? error.code : 'STORE_WRITE_FAILED';
    return {
      destination: destination.description,
      ok: false,
      objects: [],
      warnings: [],
      error: { code, message },
    };
  }
  try {
    return await syncDestination(store, documents, options);
  } finally {
    store.close();
  }
}

/** The run's one-line error: the failure itself when there is one, a count when there are several. */
export function publishFailure(report: PublishReport): GatewayError | undefined {
  if (report.error) return new GatewayError(report.error.code, report.error.message);
  const failed = report.destinations.filter((result) => !result.ok);
  const first = failed[0];
  if (first?.error) {
    const { code, message } = first.error;
    const named = message.includes(first.destination) ? message : `${first.destination}: ${message}`;
    const count =
      failed.length > 1
        ? `${failed.length} of ${report.destinations.length} destinations failed; first: `
        : '';
    return new GatewayError(code, `${count}${named}`);
  }
  const checks = report.publicChecks.filter((check) => !check.ok);
  if (checks[0]) {
    const more = checks.length > 1 ? ` (and ${checks.length - 1} more)` : '';
    return new GatewayError('PUBLIC_CHECK_FAILED', `${checks[0].url}: ${checks[0].problem}${more}`);
  }
  for (const run of report.verify) {
    const failed = run.checks.filter((check) => check.status === 'fail');
    if (failed[0]) {
      const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
      return new GatewayError(
        'PUBLIC_CHECK_FAILED',
        `verify ${run.url}: ${failed[0].check}: ${failed[0].message}${more}`,
      );
    }
  }
  return undefined;
}
