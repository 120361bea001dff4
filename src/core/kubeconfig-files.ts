/**
 * The kubeconfig files a command was given, each opened and its first byte read before
 * @kubernetes/client-node is imported (about 0.3 s of CPU): a file that is missing, a
 * directory or not readable is a usage error in milliseconds, worded as the loader
 * (kubeconfig-source.ts) words it. What a file holds is still judged by the loader alone.
 */
import { open } from 'node:fs/promises';
import { GatewayError, reasonOf } from './errors.js';

/** Why the system would not let us read a kubeconfig file: the reason names the path, never the file's text. */
export function unreadableKubeconfig(file: string, error: unknown): string {
  return `cannot read kubeconfig ${file}: ${reasonOf(error)}`;
}

export async function checkKubeconfigsReadable(files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      const handle = await open(file, 'r');
      try {
        // Opening a directory succeeds; reading it is what fails (EISDIR), as for the loader.
        await handle.read(Buffer.alloc(1), 0, 1, 0);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw new GatewayError('KUBECONFIG_INVALID', unreadableKubeconfig(file, error));
    }
  }
}
