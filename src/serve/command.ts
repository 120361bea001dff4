/** yargs wiring for `serve`; the implementation is loaded only when the command runs. */
import type { Argv } from 'yargs';
import { yargsOptions } from '../core/settings.js';
import { sourceSettings } from '../core/source-settings.js';
import { serveSettings } from './config.js';

export const serveCommand = {
  command: 'serve',
  describe: 'Serve the discovery document and JWKS over HTTP from a self-refreshing cache',
  builder: (yargs: Argv) =>
    yargs
      .options(yargsOptions(serveSettings))
      .options(yargsOptions(sourceSettings))
      .group(
        Object.values(sourceSettings).map((s) => s.flag),
        'Upstream:',
      ),
  handler: async (argv: Record<string, unknown>) => {
    const { resolveServeConfig } = await import('./config.js');
    const { runServe } = await import('./server.js');
    await runServe(resolveServeConfig(argv, process.env));
  },
};
