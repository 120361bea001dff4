/**
 * Text from elsewhere (a served document, a response header, a server's error, a token
 * claim) made safe for one line of terminal or CI-log output: control characters are
 * written as escapes, so a remote string can neither end the line and forge the next one
 * nor steer the terminal with ANSI sequences. JSON output needs none of this: the
 * serializer escapes them already.
 */

/** C0 and C1 controls, DEL, line and paragraph separators, and the bidi overrides that reorder what is shown. */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escapeChar);
}
