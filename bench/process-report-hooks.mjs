// Module hooks for process-report.mjs: records each heavy SDK package the first time it resolves.
import { appendFileSync } from 'node:fs';

const WATCHED = [
  '@aws-sdk/client-s3',
  '@google-cloud/storage',
  '@azure/storage-blob',
  '@azure/identity',
  '@kubernetes/client-node',
];
let loadedFile;
const seen = new Set();

export function initialize(data) {
  loadedFile = data.loadedFile;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  for (const name of WATCHED) {
    if (!seen.has(name) && result.url.includes(`/node_modules/${name}/`)) {
      seen.add(name);
      appendFileSync(loadedFile, `${name}\n`);
    }
  }
  return result;
}
