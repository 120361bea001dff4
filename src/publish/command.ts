/** yargs wiring for `publish`; the implementation, and any cloud SDK, is loaded only when the command runs. */
import type { Argv } from 'yargs';
import { yargsOptions } from '../core/settings.js';
import { sourceSettings } from '../core/source-settings.js';
import { BOOLEAN_FLAGS, LIST_FLAGS, publishSettings } from './config.js';

function publishOptions() {
  const options: Record<string, { type: 'string' | 'boolean'; describe: string; array?: boolean }> =
    yargsOptions(publishSettings);
  for (const flag of BOOLEAN_FLAGS)
    options[flag] = { ...(options[flag] as { describe: string }), type: 'boolean' };
  for (const flag of LIST_FLAGS)
    options[flag] = { ...(options[flag] as { describe: string }), type: 'string', array: true };
  return options;
}

export const publishCommand = {
  command: 'publish',
  describe: 'Upload the discovery document and JWKS to S3, GCS or a folder',
  builder: (yargs: Argv) =>
    yargs
      .options(publishOptions())
      .options(yargsOptions(sourceSettings))
      .group(
        Object.values(sourceSettings).map((s) => s.flag),
        'Upstream (ignored with --from-keys):',
      )
      .example('$0 publish --dest s3://my-bucket/cluster-1', 'from the cluster (in-cluster or --kubeconfig)')
      .example(
        '$0 publish --from-keys sa.pub --issuer https://my-bucket.s3.eu-west-1.amazonaws.com/cluster-1 --dest ./public',
        'from key files, before the cluster exists',
      ),
  handler: async (argv: Record<string, unknown>) => {
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
