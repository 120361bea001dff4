/** yargs wiring for `verify` (being built: see issue 4). */
import type { Argv } from 'yargs';

export const verifyCommand = {
  command: 'verify',
  describe: 'Check the public issuer documents as a relying party would',
  builder: (yargs: Argv) => yargs,
  handler: async () => {
    throw new Error('verify is not implemented yet');
  },
};
