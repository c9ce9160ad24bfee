/**
 * The UTF-8 length of a string, for the byte bounds every backend keeps.
 *
 * @module
 */

/**
 * How many bytes `text` takes as UTF-8, without encoding it (a lone surrogate
 * counts as the 3 bytes of the U+FFFD it becomes).
 *
 * @param text - Any string.
 * @returns Its UTF-8 length in bytes.
 *
 * @example Counting bytes, not UTF-16 units
 * ```ts ignore
 * utf8Length("é"); // 2
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair: 2 units, 4 bytes.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
