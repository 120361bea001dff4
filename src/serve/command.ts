/** yargs wiring for `serve`; the implementation is loaded only when the command runs. */
import type { Argv } from 'yargs';
import type { GivenFlags } from '../core/setting-table.js';
import { declareSettings } from '../core/setting-yargs.js';
import { serveCommandSettings } from './settings.js';

export const serveCommand = {
  command: 'serve',
  describe: 'Serve the discovery document and JWKS over HTTP from a self-refreshing cache',
  settings: serveCommandSettings,
  builder: (yargs: Argv) => declareSettings(yargs, serveCommandSettings),
  handler: async (argv: GivenFlags) => {
    const { resolveServeConfig } = await import('./config.js');
    const { runServe } = await import('./server.js');
    await runServe(resolveServeConfig(argv, process.env));
  },
};
