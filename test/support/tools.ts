/**
 * External tools some suites need (kubectl for kustomize). Where one is missing the suite
 * is skipped with the reason in its name, so the run says what it did not test.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The tool's path on PATH, or undefined. */
export function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A suite name that says it was skipped, and why, when the tool is missing. */
export function needing(tool: string, name: string): { name: string; missing: boolean } {
  const missing = onPath(tool) === undefined;
  if (missing) process.stderr.write(`skipping "${name}": ${tool} is not on PATH\n`);
  return { name: missing ? `${name} (skipped: ${tool} is not on PATH)` : name, missing };
}
