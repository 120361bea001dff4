import { describe, expect, it } from 'vitest';
import { printable } from './printable.js';

describe('printable', () => {
  it('escapes control characters, so a remote string stays on its line and cannot drive the terminal', () => {
    expect(printable('a\nok forged: yes')).toBe('a\\nok forged: yes');
    expect(printable('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(printable('tab\there\rcr\u0000nul\u007fdel\u009bcsi')).toBe(
      'tab\\there\\rcr\\x00nul\\x7fdel\\x9bcsi',
    );
    expect(printable('line\u2028sep \u202eevil')).toBe('line\\u2028sep \\u202eevil');
  });

  it('leaves printable text alone, non-ASCII included', () => {
    const text = 'https://oidc.example.com/c1 — kid "ÄÖ-ü_1" ✓';
    expect(printable(text)).toBe(text);
  });
});
