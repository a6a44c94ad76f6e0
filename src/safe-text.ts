/**
 * Every string msb prints that came from an image, a registry or a daemon (file names, tags,
 * history, error text) is hostile input: an ESC or OSC sequence in a file name could move the cursor,
 * retitle the terminal or write the clipboard. These make such characters visible instead: C0 and C1
 * controls, DEL, the line/paragraph separators and the bidirectional overrides ("Trojan source").
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string): string => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/** One line of text, safe for a terminal: every control character shown as `\xNN`. */
export function safeText(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, hex) : s;
}

/** A whole rendered report: the same, but its own line breaks kept. */
export function safeLines(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_BUT_NEWLINE, hex) : s;
}

/**
 * JSON text as JSON.stringify wrote it, with the characters it leaves raw (DEL, C1 controls,
 * separators, bidi overrides) escaped as \uXXXX: the same JSON value, safe to print to a terminal.
 */
export function safeJson(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
