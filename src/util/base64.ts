/**
 * Base64 decoding in pieces, with exactly the result `Buffer.from(whole, 'base64')` gives for the
 * whole text: characters outside both alphabets (standard and URL-safe) are skipped, the first `=`
 * ends the data, and a trailing group of 2 or 3 characters yields 1 or 2 bytes. Pieces may split
 * groups anywhere; each call returns the bytes that are complete so far.
 */
const OUTSIDE_ALPHABET = /[^A-Za-z0-9+/\-_]/g;
const ONLY_STANDARD = /^[A-Za-z0-9+/]*$/;

export class Base64Decoder {
  private carry = '';
  private ended = false;

  /** `text`: characters, one per byte where the source was bytes (latin1). */
  push(text: string): Buffer | undefined {
    if (this.ended) return undefined;
    const eq = text.indexOf('=');
    if (eq !== -1) {
      text = text.slice(0, eq);
      this.ended = true;
    }
    if (!ONLY_STANDARD.test(text)) text = text.replace(OUTSIDE_ALPHABET, '');
    if (this.carry) text = this.carry + text;
    const whole = text.length - (text.length % 4);
    this.carry = text.slice(whole);
    return whole > 0 ? Buffer.from(whole === text.length ? text : text.slice(0, whole), 'base64') : undefined;
  }

  /** The last 2 or 3 characters' bytes, if any. */
  end(): Buffer | undefined {
    const rest = this.carry;
    this.carry = '';
    this.ended = true;
    return rest.length > 1 ? Buffer.from(rest, 'base64') : undefined;
  }
}
