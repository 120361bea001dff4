/** yargs wiring for `verify`; the implementation is loaded only when the command runs. */
import type { Argv } from 'yargs';
import { yargsOptions } from '../core/settings.js';
import { sourceSettings } from '../core/source-settings.js';
import { verifySettings, verifySwitches } from './settings.js';

export const verifyCommand = {
  command: 'verify',
  describe: 'Check the public issuer documents as a relying party would (exit 0 pass, 1 fail, 2 usage)',
  builder: (yargs: Argv) =>
    yargs
      .options(yargsOptions(verifySettings))
      .options(
        Object.fromEntries(
          Object.entries(verifySwitches).map(([flag, describe]) => [
            flag,
            { type: 'boolean' as const, describe },
          ]),
        ),
      )
      .demandOption('issuer')
      .conflicts('token', 'token-request')
      .options(yargsOptions(sourceSettings))
      .group(
        Object.values(sourceSettings).map((s) => s.flag),
        'Cluster (for --compare-cluster and --token-request):',
      ),
  handler: async (argv: Record<string, unknown>) => {
    const { resolveVerifyConfig } = await import('./config.js');
    const { runChecks } = await import('../checks/run.js');
    const { formatJson, formatText } = await import('./report.js');
    const { hasFailure } = await import('../checks/result.js');
    const config = await resolveVerifyConfig(argv, process.env);
    const results = await runChecks(config.options);
    process.stdout.write(
      config.output === 'json' ? formatJson(config.options.issuer, results) : formatText(results),
    );
    if (hasFailure(results)) process.exitCode = 1;
  },
};
