/** yargs wiring for `publish` (being built: see issue 3). */
import type { Argv } from 'yargs';

export const publishCommand = {
  command: 'publish',
  describe: 'Upload the discovery document and JWKS to S3, GCS or a folder',
  builder: (yargs: Argv) => yargs,
  handler: async () => {
    throw new Error('publish is not implemented yet');
  },
};
