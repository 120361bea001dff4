/** Records which heavy packages (and the test-only memory store) a child process imports, through a real module resolve hook. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A `--import` module for a child process that records every resolved import of the
 * heavy packages, and of the memory store (stores/memory.js, for tests only), into
 * `logPath`: a real loader hook, so nothing escapes it.
 */
export async function writeImportRecorder(dir: string): Promise<{ importFlag: string; logPath: string }> {
  const logPath = join(dir, 'imports.log');
  const hooks = join(dir, 'record-hooks.mjs');
  const register = join(dir, 'record-imports.mjs');
  await writeFile(logPath, '');
  await writeFile(
    hooks,
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.logPath; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (/@aws-sdk|@smithy|@google-cloud|google-auth-library|@azure|@kubernetes\\/client-node|\\/stores\\/memory\\.js$/.test(specifier + ' ' + result.url)) {
    appendFileSync(log, specifier + '\\n');
  }
  return result;
}
`,
  );
  await writeFile(
    register,
    `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { logPath: ${JSON.stringify(logPath)} } });
`,
  );
  return { importFlag: `--import=${pathToFileURL(register).href}`, logPath };
}
