// The two ways a JPEG can fail the DC-only reader, kept apart because callers act differently:
// an unsupported (but valid) JPEG is worth a full decode; a corrupt one is not worth anything.

/** A valid JPEG the DC-only reader does not handle (progressive, arithmetic, 12-bit, lossless). */
export class JpegUnsupportedError extends Error {
  override name = 'JpegUnsupportedError';
}

/** Truncated or malformed: the frame is unusable, whoever decodes it. */
export class JpegCorruptError extends Error {
  override name = 'JpegCorruptError';
}
