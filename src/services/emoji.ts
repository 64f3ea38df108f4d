import { badInput } from './errors.js';

const MAX_EMOJI_BYTES = 32;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** An emoji holds a pictograph, a flag letter or a keycap (U+20E3 COMBINING ENCLOSING KEYCAP). */
const EMOJI_CODE_POINT = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

/**
 * FEATURES.md: one grapheme cluster of at most 32 bytes holding an Extended_Pictographic,
 * Regional_Indicator or keycap code point. Not trimmed or normalised: emoji compare byte
 * for byte, so what is stored is exactly what was sent.
 */
export function validEmoji(emoji: string): string {
  const clusters = [...graphemes.segment(emoji)];
  if (
    clusters.length !== 1 ||
    Buffer.byteLength(emoji, 'utf8') > MAX_EMOJI_BYTES ||
    !EMOJI_CODE_POINT.test(emoji)
  ) {
    throw badInput('emoji must be a single emoji', 'emoji');
  }
  return emoji;
}
