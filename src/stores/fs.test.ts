import { describe, expect, it } from 'vitest';
import { createFolderStore } from './fs.js';

describe('createFolderStore', () => {
  it('places keys below the folder, the file system root included', () => {
    expect(createFolderStore('/').locate('openid/v1/jwks')).toBe('/openid/v1/jwks');
    expect(createFolderStore('/srv/www/').locate('.well-known/openid-configuration')).toBe(
      '/srv/www/.well-known/openid-configuration',
    );
  });

  it('refuses a key that would climb out of the folder', () => {
    expect(() => createFolderStore('/srv/www').locate('../etc/passwd')).toThrow(
      /would leave the folder \/srv\/www/,
    );
    expect(() => createFolderStore('/srv/www').locate('x/../../www2/jwks')).toThrow(/would leave the folder/);
  });
});
