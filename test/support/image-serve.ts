/**
 * `serve` as the image runs it: the Dockerfile's Node flags, in-cluster settings that point at
 * a fresh API-server stand-in, and a token file of its own. For the tests that load or starve
 * one gateway process (a pipelining flood, slow clients) and read it only from the outside.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomToken, startApiServer } from './apiserver.js';
import { type ServeProcess, startServe } from './cli.js';
import { imageEnv, imageNodeFlags } from './image.js';

export interface ImageServe {
  readonly gateway: ServeProcess;
  /** Kills the gateway, closes the stand-in and removes the token file. */
  close(): Promise<void>;
}

export async function startImageServe(name: string): Promise<ImageServe> {
  const workdir = await mkdtemp(join(tmpdir(), `kube-oidc-gateway-${name}-`));
  const token = randomToken();
  const apiserver = await startApiServer({ tokens: [token] }).catch(async (error: unknown) => {
    await rm(workdir, { recursive: true, force: true });
    throw error;
  });
  const close = async (gateway?: ServeProcess) => {
    await gateway?.stop('SIGKILL');
    await apiserver.close();
    await rm(workdir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(workdir, 'token'), token);
    const gateway = await startServe(
      [],
      {
        ...imageEnv(),
        UPSTREAM_HOST: apiserver.url,
        SA_TOKEN_PATH: join(workdir, 'token'),
        SA_CA_CERT_PATH: apiserver.pki.caCertPath,
      },
      imageNodeFlags(),
    );
    return { gateway, close: () => close(gateway) };
  } catch (error) {
    await close();
    throw error;
  }
}
