// JPEG marker facts (ITU T.81 Annex B) shared by the stream splitters and the image readers, and
// the walk over a JPEG's header segments by their lengths that every reader of headers makes.

export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;
export const DQT = 0xdb;
export const DHT = 0xc4;
export const DRI = 0xdd;
/** Arithmetic coding conditioning: only arithmetic-coded JPEGs have it. */
export const DAC = 0xcc;
/** Start of frame, by coding process: baseline and extended sequential (Huffman), progressive. */
export const SOF0 = 0xc0;
export const SOF1 = 0xc1;
export const SOF2 = 0xc2;
export const RST0 = 0xd0;

/** RST0..RST7: restart markers, which stand inside a scan's entropy-coded data. */
export function isRestart(marker: number): boolean {
  return marker >= RST0 && marker <= RST0 + 7;
}

/** Markers that stand alone, with no length field: TEM and RST0..7. */
export function isStandalone(marker: number): boolean {
  return marker === 0x01 || isRestart(marker);
}

/** Start-of-frame markers carry the image size; C4 (DHT), C8 (JPG) and CC (DAC) do not. */
export function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== DHT && marker !== 0xc8 && marker !== DAC;
}

/** After an FF inside a scan: a stuffed 00 or a restart marker, where the entropy-coded data goes on. */
export function continuesScan(code: number): boolean {
  return code === 0x00 || isRestart(code);
}

/**
 * Where the entropy-coded data that starts at `from` ends: the offset of the FF of the first
 * marker that is not part of it (stuffed FF 00 and RSTn are data, FF FF is fill), or -1 when the
 * data runs to the end.
 */
export function scanEnd(data: Uint8Array, from: number): number {
  for (let i = data.indexOf(0xff, from); i >= 0 && i + 1 < data.length; i = data.indexOf(0xff, i + 1)) {
    const next = data[i + 1];
    if (next !== 0xff && !continuesScan(next)) return i;
  }
  return -1;
}

/** A marker segment of a JPEG's headers: its marker, where its FF stands and its length field. */
export interface HeaderSegment {
  marker: number;
  at: number;
  /** The length field as written (it counts itself, not the marker), not yet checked; -1 when the data ends inside it. */
  length: number;
}

/** Where a walk over the headers stops without a segment: the data ended, or a byte other than FF stands where a marker belongs. */
export interface HeaderStop {
  stop: 'end' | 'not a marker';
  at: number;
}

/**
 * The next marker segment of a JPEG's headers from offset `i` on, stepping over fill bytes
 * (FF FF) and standalone markers. The caller checks the length and steps on to `at + 2 + length`.
 */
export function nextHeaderSegment(jpeg: Uint8Array, i: number): HeaderSegment | HeaderStop {
  for (;;) {
    if (i >= jpeg.length) return { stop: 'end', at: i };
    if (jpeg[i] !== 0xff) return { stop: 'not a marker', at: i };
    while (i + 1 < jpeg.length && jpeg[i + 1] === 0xff) i++;
    if (i + 1 >= jpeg.length) return { stop: 'end', at: i + 1 };
    const marker = jpeg[i + 1];
    if (isStandalone(marker)) {
      i += 2;
      continue;
    }
    return { marker, at: i, length: i + 4 <= jpeg.length ? (jpeg[i + 2] << 8) | jpeg[i + 3] : -1 };
  }
}

/**
 * Width and height from the first SOF segment of a whole JPEG, walking segments by their
 * lengths (so an EXIF thumbnail inside APP1 is never mistaken for the picture). Undefined when
 * the headers are malformed or the size is absent.
 */
export function jpegDimensions(jpeg: Buffer): { width: number; height: number } | undefined {
  let i = 2;
  for (;;) {
    const segment = nextHeaderSegment(jpeg, i);
    if ('stop' in segment || segment.at + 4 > jpeg.length) return undefined;
    const { marker, at, length } = segment;
    if (marker === SOS || marker === EOI) return undefined;
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (at + 9 > jpeg.length) return undefined;
      const height = jpeg.readUInt16BE(at + 5);
      const width = jpeg.readUInt16BE(at + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    i = at + 2 + length;
  }
}

/** True when the buffer starts with SOI and ends with EOI: the least a whole JPEG must do. */
export function looksLikeWholeJpeg(buf: Buffer): boolean {
  const n = buf.length;
  return n >= 4 && buf[0] === 0xff && buf[1] === SOI && buf[n - 2] === 0xff && buf[n - 1] === EOI;
}
