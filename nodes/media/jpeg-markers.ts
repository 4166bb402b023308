// JPEG marker facts (ITU T.81 Annex B) shared by the stream splitters and the image readers.

export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;

/** Markers that stand alone, with no length field: TEM and RST0..7. */
export function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/** Start-of-frame markers carry the image size; C4 (DHT), C8 (JPG) and CC (DAC) do not. */
export function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Width and height from the first SOF segment of a whole JPEG, walking segments by their
 * lengths (so an EXIF thumbnail inside APP1 is never mistaken for the picture). Undefined when
 * the headers are malformed or the size is absent.
 */
export function jpegDimensions(jpeg: Buffer): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) return undefined;
    const marker = jpeg[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (isStandalone(marker)) {
      i += 2;
      continue;
    }
    if (marker === SOS || marker === EOI) return undefined;
    const length = jpeg.readUInt16BE(i + 2);
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (i + 9 > jpeg.length) return undefined;
      const height = jpeg.readUInt16BE(i + 5);
      const width = jpeg.readUInt16BE(i + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    i += 2 + length;
  }
  return undefined;
}

/** True when the buffer starts with SOI and ends with EOI: the least a whole JPEG must do. */
export function looksLikeWholeJpeg(buf: Buffer): boolean {
  const n = buf.length;
  return n >= 4 && buf[0] === 0xff && buf[1] === SOI && buf[n - 2] === 0xff && buf[n - 1] === EOI;
}
