/** Records which heavy packages (cloud SDKs, the Kubernetes client, jose; and the test-only memory store) a child process imports, through a real module resolve hook. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A `--import` module for a child process that records each heavy package it imports or
 * requires, by name, once (`@aws-sdk/client-s3`, `google-auth-library`, ...), and the URL of
 * the memory store (stores/memory.js, for tests only) if it loads that, into `logPath`: a
 * real resolve hook, so nothing escapes it. The hook runs on the process's own
 * thread (`module.registerHooks`), not on a loader thread of its own (`module.register`),
 * which would add about 70 ms of CPU to every child it watches.
 */
export async function writeImportRecorder(dir: string): Promise<{ importFlag: string; logPath: string }> {
  const logPath = join(dir, 'imports.log');
  const recorder = join(dir, 'record-imports.mjs');
  await writeFile(logPath, '');
  await writeFile(
    recorder,
    `import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
const log = ${JSON.stringify(logPath)};
const HEAVY = /^(@aws-sdk|@smithy|@google-cloud|google-auth-library|@azure|@kubernetes[/]client-node|jose)([/]|$)/;
const seen = new Set();
function record(name) {
  if (seen.has(name)) return;
  seen.add(name);
  appendFileSync(log, name + '\\n');
}
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    const inPackage = /[/]node_modules[/]((?:@[^/]+[/])?[^/]+)[/]/.exec(result.url);
    if (inPackage && HEAVY.test(inPackage[1])) record(inPackage[1]);
    else if (/[/]stores[/]memory[.]js$/.test(result.url)) record(result.url);
    return result;
  },
});
`,
  );
  return { importFlag: `--import=${pathToFileURL(recorder).href}`, logPath };
}
