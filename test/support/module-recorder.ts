/**
 * Records every module a child process loads: an `--import` preload with synchronous
 * module hooks (they see import and require alike) that writes, at exit, each resolved
 * URL and Node's list of its own loaded modules (process.moduleLoadList).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LoadedModules {
  /** Resolved URLs of everything imported or required. */
  urls: string[];
  /** Node's internal modules, e.g. "NativeModule internal/deps/undici/undici". */
  builtins: string[];
}

export async function writeModuleRecorder(
  dir: string,
): Promise<{ importFlag: string; read(): Promise<LoadedModules> }> {
  const logPath = join(dir, 'modules.json');
  const preload = join(dir, 'record-modules.mjs');
  await writeFile(
    preload,
    `import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
const urls = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    urls.add(result.url);
    return result;
  },
});
process.on('exit', () => {
  writeFileSync(${JSON.stringify(logPath)}, JSON.stringify({ urls: [...urls], builtins: process.moduleLoadList }));
});
`,
  );
  return {
    importFlag: `--import=${pathToFileURL(preload).href}`,
    read: async () => JSON.parse(await readFile(logPath, 'utf8')) as LoadedModules,
  };
}
