/** yargs wiring for `publish`; the implementation, and any cloud SDK, is loaded only when the command runs. */
import type { Argv } from 'yargs';
import type { GivenFlags } from '../core/setting-table.js';
import { declareSettings } from '../core/setting-yargs.js';
import { publishCommandSettings } from './settings.js';

export const publishCommand = {
  command: 'publish',
  describe: 'Upload the discovery document and JWKS to S3, GCS or a folder',
  settings: publishCommandSettings,
  builder: (yargs: Argv) =>
    declareSettings(yargs, publishCommandSettings)
      .example('$0 publish --dest s3://my-bucket/cluster-1', 'from the cluster (in-cluster or --kubeconfig)')
      .example(
        '$0 publish --from-keys sa.pub --issuer https://my-bucket.s3.eu-west-1.amazonaws.com/cluster-1 --dest ./public',
        'from key files, before the cluster exists',
      ),
  handler: async (argv: GivenFlags) => {
    const { resolvePublishConfig } = await import('./config.js');
    const { publishFailure, runPublish } = await import('./run.js');
    const report = await runPublish(resolvePublishConfig(argv, process.env), {
      stdout: process.stdout,
      stderr: process.stderr,
    });
    // After the report: the run's one-line error and its exit code.
    const failure = publishFailure(report);
    if (failure) throw failure;
  },
};
