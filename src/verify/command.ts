/** yargs wiring for `verify`; the implementation is loaded only when the command runs. */
import type { Argv } from 'yargs';
import type { GivenFlags } from '../core/setting-table.js';
import { declareSettings } from '../core/setting-yargs.js';
import { verifyCommandSettings } from './settings.js';

export const verifyCommand = {
  command: 'verify',
  describe: 'Check the public issuer documents as a relying party would (exit 0 pass, 1 fail, 2 usage)',
  settings: verifyCommandSettings,
  builder: (yargs: Argv) =>
    declareSettings(yargs, verifyCommandSettings).demandOption('issuer').conflicts('token', 'token-request'),
  handler: async (argv: GivenFlags) => {
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
