/** yargs wiring for `publish`; the implementation, and any cloud SDK, is loaded only when the command runs. */
import type { GivenFlags } from '../core/setting-table.js';
import { commandModule } from '../core/setting-yargs.js';
import { publishCommandSettings } from './settings.js';

export const publishCommand = commandModule({
  name: 'publish',
  describe: 'Upload the discovery document and JWKS to S3, GCS, Azure Blob or a folder',
  settings: publishCommandSettings,
  examples: [
    {
      what: 'From the cluster (in a pod, or the kubeconfig kubectl uses) to S3',
      lines: ['$0 publish --dest s3://my-oidc-bucket/cluster-1'],
    },
    {
      what: 'Before the cluster exists: from the key files kube-apiserver will be given',
      lines: [
        '$0 publish --from-keys sa.pub --dest ./public',
        '--issuer https://my-oidc-bucket.s3.eu-west-1.amazonaws.com/cluster-1',
      ],
    },
    {
      what: 'What would change, written nowhere',
      lines: ['$0 publish --dest gs://my-oidc-bucket/cluster-1 --dry-run'],
    },
    {
      what: 'Then check the public copy as a relying party would',
      lines: [
        '$0 publish --dest gs://my-oidc-bucket/cluster-1 --verify',
        '--check-public-url https://storage.googleapis.com/my-oidc-bucket/cluster-1',
      ],
    },
  ],
  run: async (argv: GivenFlags) => {
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
});
