/**
 * publish --provider: each named cloud's documented rules (checks/providers) on what the
 * run built, as warnings. A broken rule never stops a run: the documents are what the
 * cluster serves, and not publishing them would break every relying party, not only the
 * one whose rule they break. The issuer is judged once (every destination publishes the
 * same); each destination's key set on its own, since retention differs between them.
 */
import type { Provider } from '../checks/providers/names.js';
import { providerChecks } from '../checks/providers/rules.js';
import type { CheckResult } from '../checks/result.js';
import type { DestinationResult } from './sync.js';

/** `aws-issuer: …` for the issuer, `<destination>: azure-alg: …` for a key set. */
export function providerWarnings(
  providers: readonly Provider[],
  issuer: string,
  destinations: readonly DestinationResult[],
): string[] {
  if (providers.length === 0) return [];
  const warnings = failures(providerChecks(providers, { issuer }));
  for (const result of destinations) {
    // Built in the plan, written or not; a destination that failed before has none.
    if (!result.published) continue;
    const jwks: unknown = JSON.parse(result.published.jwks.toString('utf8'));
    for (const failure of failures(providerChecks(providers, { jwks })))
      warnings.push(`${result.destination}: ${failure}`);
  }
  return warnings;
}

function failures(results: readonly CheckResult[]): string[] {
  return results
    .filter((result) => result.status === 'fail')
    .map(({ check, message }) => `${check}: ${message}`);
}
