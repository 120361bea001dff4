/** yargs wiring for `verify`; the implementation is loaded only when the command runs. */
import type { GivenFlags } from '../core/setting-table.js';
import { commandModule } from '../core/setting-yargs.js';
import { verifyCommandSettings } from './settings.js';

export const verifyCommand = commandModule({
  name: 'verify',
  describe: 'Check the public issuer documents as a relying party would (exit 0 pass, 1 fail, 2 usage)',
  settings: verifyCommandSettings,
  rules: { required: ['issuer'], conflicts: [['token', 'token-request']] },
  examples: [
    {
      what: 'What a relying party sees',
      lines: ['$0 verify --issuer https://oidc.example.com/cluster-a'],
    },
    {
      what: "AWS's and GCP's documented limits too, and the cluster's own documents",
      lines: [
        '$0 verify --issuer https://oidc.example.com/cluster-a',
        '--provider aws --provider gcp --compare-cluster',
      ],
    },
    {
      what: 'A real token, minted for a ServiceAccount, verified against the public keys',
      lines: [
        '$0 verify --issuer https://oidc.example.com/cluster-a',
        '--token-request kube-system/oidc-verify --audience sts.amazonaws.com',
      ],
    },
    {
      what: 'In CI: a JSON report, exit 1 when a check fails',
      lines: ['$0 verify --issuer https://oidc.example.com/cluster-a', '--output json'],
    },
  ],
  run: async (argv: GivenFlags) => {
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
});
