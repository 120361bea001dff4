/** yargs wiring for `serve`; the implementation is loaded only when the command runs. */
import type { GivenFlags } from '../core/setting-table.js';
import { commandModule } from '../core/setting-yargs.js';
import { serveCommandSettings } from './settings.js';

export const serveCommand = commandModule({
  name: 'serve',
  describe: 'Serve the discovery document and JWKS over HTTP from a self-refreshing cache',
  settings: serveCommandSettings,
  examples: [
    { what: 'In a pod (what the image runs): the mounted ServiceAccount token', lines: ['$0 serve'] },
    {
      what: 'On a laptop: the kubeconfig kubectl uses (KUBECONFIG, else ~/.kube/config)',
      lines: ['$0 serve --listen-port 8080'],
    },
    {
      what: "A kubeconfig and context of its own, the Go gateway's log lines",
      lines: ['$0 serve --kubeconfig ./ci.kubeconfig --context ci', '--log-format text'],
    },
  ],
  run: async (argv: GivenFlags) => {
    const { resolveServeConfig } = await import('./config.js');
    const { runServe } = await import('./server.js');
    await runServe(resolveServeConfig(argv, process.env));
  },
});
