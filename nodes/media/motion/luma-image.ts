// A small brightness (luma) picture: what motion detection compares. Every path produces the
// same shape: the DC-only JPEG reader (one value per 8×8 block), a full decode boxed down to
// 1/8, or a grey picture scaled down by ffmpeg.

export interface LumaImage {
  /** Columns and rows of `data`. */
  width: number;
  height: number;
  /** Row-major, one byte per cell, 0 (black) .. 255 (white). */
  data: Uint8Array;
  /** Size of the picture the cells were taken from, in pixels. */
  sourceWidth: number;
  sourceHeight: number;
}

/** Cells a picture is boxed down to: one per 8×8 block, as a JPEG DC coefficient is. */
export const LUMA_BLOCK = 8;

/**
 * Mean luma (BT.601, as JPEG's YCbCr) of each 8×8 block of an RGBA picture. Blocks at the
 * right and bottom edges average only the pixels that exist, as a JPEG encoder's edge
 * replication makes the DC coefficient do.
 */
export function lumaFromRgba(rgba: Uint8Array, width: number, height: number): LumaImage {
  const cols = Math.ceil(width / LUMA_BLOCK);
  const rows = Math.ceil(height / LUMA_BLOCK);
  const sums = new Float64Array(cols * rows);
  const counts = new Uint32Array(cols * rows);
  for (let y = 0; y < height; y++) {
    const rowBase = ((y / LUMA_BLOCK) | 0) * cols;
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const cell = rowBase + ((x / LUMA_BLOCK) | 0);
      sums[cell] += 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
      counts[cell]++;
    }
  }
  const data = new Uint8Array(cols * rows);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(sums[i] / counts[i]);
  return { width: cols, height: rows, data, sourceWidth: width, sourceHeight: height };
}

/** Wraps a grey picture that is already small (from ffmpeg's scaler) as a LumaImage. */
export function lumaFromGray(gray: Uint8Array, width: number, height: number, sourceWidth: number, sourceHeight: number): LumaImage {
  if (gray.length < width * height) throw new RangeError(`grey picture has ${gray.length} bytes, ${width}×${height} needs ${width * height}`);
  return { width, height, data: gray.subarray(0, width * height), sourceWidth, sourceHeight };
}
