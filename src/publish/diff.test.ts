import { describe, expect, it } from 'vitest';
import { lineDiff } from './diff.js';

describe('lineDiff', () => {
  it('shows removals before additions, with two lines of context and gaps marked', () => {
    const before = [
      '{',
      '  "keys": [',
      '    "a",',
      '    "b",',
      '    "c",',
      '    "d",',
      '    "e",',
      '    "f"',
      '  ]',
      '}',
    ];
    const after = [...before];
    after.splice(2, 1, '    "A",');
    expect(lineDiff(before.join('\n'), after.join('\n'))).toEqual([
      '  {',
      '    "keys": [',
      '-     "a",',
      '+     "A",',
      '      "b",',
      '      "c",',
      '  ...',
    ]);
  });

  it('is empty of changes for equal texts', () => {
    expect(lineDiff('x\ny', 'x\ny').every((line) => !/^[-+]/.test(line))).toBe(true);
  });
});
