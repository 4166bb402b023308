// Reads a 1/8-scale brightness picture out of a baseline JPEG without decoding it: the scan is
// Huffman-decoded, but of each 8×8 luma block only the DC coefficient (8 × the block's mean) is
// kept; AC coefficients are skipped by their sizes and no IDCT, upsampling or colour conversion
// runs. That is what makes motion detection on MJPEG cheap (ITU T.81 Annex F.2.2).
//
// Everything read from the file is checked before use, so corrupt input ends in a
// JpegCorruptError; valid JPEGs of a kind this reader leaves alone (progressive, arithmetic,
// 12-bit, lossless, CMYK) end in a JpegUnsupportedError, and the caller can fall back to a full
// decode.

import { JpegCorruptError, JpegUnsupportedError } from './jpeg-errors';
import { HuffmanTable, LOOKUP_BITS, standardTables } from './jpeg-huffman';
import { DAC, DHT, DQT, DRI, EOI, RST0, SOF0, SOF1, SOF2, SOI, SOS, isStartOfFrame, nextHeaderSegment, scanEnd } from './jpeg-markers';
import { FrameComponent, dhtTables, dqtTables, readFrameComponents, readFrameHeaderFields, readScanHeader } from './jpeg-segments';
import { LUMA_BLOCK, LumaImage } from '../motion/luma-image';

/** Largest picture side accepted; beyond it the frame is refused rather than allocated for. */
export const MAX_JPEG_SIDE = 16384;

interface FrameHeader {
  width: number;
  height: number;
  components: FrameComponent[];
  hMax: number;
  vMax: number;
}

interface ScanComponent {
  component: FrameComponent;
  dc: HuffmanTable;
  ac: HuffmanTable;
  isLuma: boolean;
  predictor: number;
}

/** The 1/8-scale luma picture of a baseline JPEG; throws JpegCorruptError / JpegUnsupportedError. */
export function readJpegLuma(jpeg: Uint8Array): LumaImage {
  return new DcReader(jpeg).read();
}

class DcReader {
  private pos = 0;
  private readonly end: number;
  /** First (DC) entry of each quantization table, 0 while undefined. */
  private readonly quantDc = new Int32Array(4);
  private readonly dcTables: (HuffmanTable | undefined)[];
  private readonly acTables: (HuffmanTable | undefined)[];
  private frame: FrameHeader | undefined;
  private restartInterval = 0;
  private luma: Uint8Array | undefined;
  private lumaCols = 0;
  private lumaRows = 0;
  private lumaDone = false;

  // Entropy-coded segment reader state (Annex F.2.2.5), kept in fields the hot loop can reach.
  private acc = 0;
  private bits = 0;
  /** Zero bits fed in after the scan data ran out; consuming any of them means truncation. */
  private padBits = 0;
  private markerHit = false;

  constructor(private readonly data: Uint8Array) {
    this.end = data.length;
    // Until a DHT says otherwise, the Annex K tables apply (AVI1-style Motion-JPEG omits DHT).
    const std = standardTables();
    this.dcTables = [std.dc[0], std.dc[1], undefined, undefined];
    this.acTables = [std.ac[0], std.ac[1], undefined, undefined];
  }

  read(): LumaImage {
    const d = this.data;
    if (this.end < 4 || d[0] !== 0xff || d[1] !== SOI) throw new JpegCorruptError('not a JPEG: no SOI marker');
    this.pos = 2;
    while (!this.lumaDone) {
      const next = nextHeaderSegment(d, this.pos);
      if ('stop' in next) throw new JpegCorruptError(next.stop === 'end' ? 'JPEG ended early' : `expected a marker at byte ${next.at}`);
      const { marker, at, length } = next;
      if (marker === EOI) break;
      if (length < 0) throw new JpegCorruptError('JPEG ended inside a segment length');
      if (length < 2 || at + 2 + length > this.end) throw new JpegCorruptError(`segment length ${length} runs past the data`);
      const segment = d.subarray(at + 4, at + 2 + length);
      this.pos = at + 2 + length;
      if (marker === SOS) this.startOfScan(segment);
      else if (marker === DQT) this.defineQuantization(segment);
      else if (marker === DHT) this.defineHuffman(segment);
      else if (marker === DRI) this.defineRestart(segment);
      else if (marker === SOF0 || marker === SOF1) this.startOfFrame(segment);
      else if (marker === DAC) throw new JpegUnsupportedError('arithmetic-coded JPEG');
      else if (isStartOfFrame(marker)) throw new JpegUnsupportedError(marker === SOF2 ? 'progressive JPEG' : `JPEG process SOF${marker - 0xc0}`);
      // APPn, COM, DNL and the rest carry nothing the luma picture needs.
    }
    if (!this.frame || !this.luma) throw new JpegCorruptError('JPEG has no frame header');
    if (!this.lumaDone) throw new JpegCorruptError('JPEG ended before its luma scan');
    return { width: this.lumaCols, height: this.lumaRows, data: this.luma, sourceWidth: this.frame.width, sourceHeight: this.frame.height };
  }

  private defineQuantization(s: Uint8Array): void {
    for (const table of dqtTables(s)) {
      const e = table.entries;
      const dc = table.precision === 0 ? e[0] : (e[0] << 8) | e[1];
      if (dc === 0) throw new JpegCorruptError('DQT has a zero quantizer');
      this.quantDc[table.id] = dc;
    }
  }

  private defineHuffman(s: Uint8Array): void {
    for (const t of dhtTables(s)) {
      const table = new HuffmanTable(t.counts, t.symbols);
      if (t.tableClass === 0) this.dcTables[t.id] = table;
      else this.acTables[t.id] = table;
    }
  }

  private defineRestart(s: Uint8Array): void {
    if (s.length !== 2) throw new JpegCorruptError('DRI has the wrong length');
    this.restartInterval = (s[0] << 8) | s[1];
  }

  private startOfFrame(s: Uint8Array): void {
    if (this.frame) throw new JpegCorruptError('second frame header');
    const { precision, height, width, componentCount: count } = readFrameHeaderFields(s);
    if (precision !== 8) throw new JpegUnsupportedError(`${precision}-bit JPEG`);
    if (height === 0) throw new JpegUnsupportedError('JPEG with its height in a DNL segment');
    if (width === 0) throw new JpegCorruptError('JPEG width is 0');
    if (width > MAX_JPEG_SIDE || height > MAX_JPEG_SIDE) throw new JpegUnsupportedError(`JPEG of ${width}×${height} is larger than ${MAX_JPEG_SIDE} a side`);
    if (count !== 1 && count !== 3) throw new JpegUnsupportedError(`JPEG with ${count} components`);
    const components = readFrameComponents(s, count);
    const hMax = Math.max(...components.map((c) => c.h));
    const vMax = Math.max(...components.map((c) => c.v));
    this.frame = { width, height, components, hMax, vMax };
    // The first component is Y in JFIF (and in every camera's YCbCr or greyscale MJPEG).
    const y = components[0];
    this.lumaCols = Math.ceil(Math.ceil((width * y.h) / hMax) / LUMA_BLOCK);
    this.lumaRows = Math.ceil(Math.ceil((height * y.v) / vMax) / LUMA_BLOCK);
    this.luma = new Uint8Array(this.lumaCols * this.lumaRows);
  }

  /** A scan header, then its entropy-coded data from `pos` on (decoded when it holds luma). */
  private startOfScan(s: Uint8Array): void {
    const frame = this.frame;
    if (!frame) throw new JpegCorruptError('scan before the frame header');
    const header = readScanHeader(s);
    const count = header.components.length;
    if (count > 4 || s.length !== 4 + 2 * count) throw new JpegCorruptError('bad SOS header');
    const scan: ScanComponent[] = [];
    for (const selector of header.components) {
      const component = frame.components.find((c) => c.id === selector.id);
      if (!component) throw new JpegCorruptError('scan names an unknown component');
      const dc = this.dcTables[selector.td];
      const ac = this.acTables[selector.ta];
      if (!dc || !ac) throw new JpegCorruptError('scan uses an undefined Huffman table');
      scan.push({ component, dc, ac, isLuma: component === frame.components[0], predictor: 0 });
    }
    if (header.ss !== 0 || header.se !== 63 || header.ahAl !== 0) throw new JpegCorruptError('sequential scan with spectral selection');
    if (count > 1 && scan.reduce((n, c) => n + c.component.h * c.component.v, 0) > 10) throw new JpegCorruptError('MCU of more than 10 blocks');
    const lumaScan = scan.some((c) => c.isLuma);
    if (lumaScan) {
      if (this.quantDc[frame.components[0].tq] === 0) throw new JpegCorruptError('luma quantization table missing');
      this.decodeScan(frame, scan);
      this.lumaDone = true;
    }
    this.skipToMarker();
  }

  /** After a scan: on to the next marker that is not a restart marker or stuffed byte. */
  private skipToMarker(): void {
    const at = scanEnd(this.data, this.pos);
    this.pos = at < 0 ? this.end : at;
  }

  private decodeScan(frame: FrameHeader, scan: ScanComponent[]): void {
    const interleaved = scan.length > 1;
    let mcusX: number;
    let mcusY: number;
    if (interleaved) {
      mcusX = Math.ceil(frame.width / (LUMA_BLOCK * frame.hMax));
      mcusY = Math.ceil(frame.height / (LUMA_BLOCK * frame.vMax));
    } else {
      const c = scan[0].component;
      mcusX = Math.ceil(Math.ceil((frame.width * c.h) / frame.hMax) / LUMA_BLOCK);
      mcusY = Math.ceil(Math.ceil((frame.height * c.v) / frame.vMax) / LUMA_BLOCK);
    }
    const luma = this.luma as Uint8Array;
    const scale = this.quantDc[frame.components[0].tq] / 8;
    const total = mcusX * mcusY;
    const interval = this.restartInterval;
    let restarts = 0;
    this.resetBits();
    for (let mcu = 0; mcu < total; mcu++) {
      if (interval > 0 && mcu > 0 && mcu % interval === 0) {
        this.restart(restarts++);
        for (const c of scan) c.predictor = 0;
      }
      const mx = mcu % mcusX;
      const my = (mcu - mx) / mcusX;
      for (const c of scan) {
        const bw = interleaved ? c.component.h : 1;
        const bh = interleaved ? c.component.v : 1;
        for (let by = 0; by < bh; by++) {
          for (let bx = 0; bx < bw; bx++) {
            const dc = this.decodeBlock(c);
            if (!c.isLuma) continue;
            const row = my * bh + by;
            const col = mx * bw + bx;
            if (row < this.lumaRows && col < this.lumaCols) luma[row * this.lumaCols + col] = clampByte(dc * scale + 128);
          }
        }
      }
      if ((mcu & 15) === 15) this.checkOverrun();
    }
    this.checkOverrun();
  }

  /** One block: its DC coefficient (prediction added); the AC coefficients are read past. */
  private decodeBlock(c: ScanComponent): number {
    const s = this.decodeSymbol(c.dc);
    if (s > 11) throw new JpegCorruptError('DC difference out of range');
    if (s > 0) c.predictor += this.receiveExtend(s);
    const ac = c.ac;
    for (let k = 1; k < 64;) {
      const rs = this.decodeSymbol(ac);
      const size = rs & 15;
      const run = rs >> 4;
      if (size === 0) {
        if (run !== 15) break; // EOB: the rest of the block is zero
        k += 16; // ZRL: sixteen zeros
        if (k > 64) throw new JpegCorruptError('AC run past the end of the block');
        continue;
      }
      k += run;
      if (k > 63) throw new JpegCorruptError('AC run past the end of the block');
      if (size > 10) throw new JpegCorruptError('AC coefficient out of range');
      if (this.bits < size) this.fill();
      this.bits -= size;
      k++;
    }
    return c.predictor;
  }

  private decodeSymbol(t: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const entry = t.lookup[(this.acc >>> (this.bits - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)];
    if (entry !== 0) {
      this.bits -= entry >> 8;
      return entry & 0xff;
    }
    for (let len = LOOKUP_BITS + 1; len <= 16; len++) {
      const code = (this.acc >>> (this.bits - len)) & ((1 << len) - 1);
      if (code <= t.maxcode[len]) {
        this.bits -= len;
        return t.values[code + t.valoffset[len]];
      }
    }
    throw new JpegCorruptError('invalid Huffman code in the scan');
  }

  /** RECEIVE and EXTEND of F.2.2.1: `s` bits as a signed difference. */
  private receiveExtend(s: number): number {
    if (this.bits < s) this.fill();
    this.bits -= s;
    const v = (this.acc >>> this.bits) & ((1 << s) - 1);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Tops the bit buffer up to at least 25 bits, unstuffing FF 00 and stopping at a marker. */
  private fill(): void {
    const d = this.data;
    while (this.bits <= 24) {
      let b = 0;
      if (!this.markerHit && this.pos < this.end) {
        b = d[this.pos];
        if (b !== 0xff) this.pos++;
        else if (this.pos + 1 < this.end && d[this.pos + 1] === 0) this.pos += 2;
        else {
          this.markerHit = true;
          b = 0;
          this.padBits += 8;
        }
      } else {
        this.padBits += 8;
      }
      this.acc = ((this.acc << 8) | b) >>> 0;
      this.bits += 8;
    }
  }

  private resetBits(): void {
    this.acc = 0;
    this.bits = 0;
    this.padBits = 0;
    this.markerHit = false;
  }

  private checkOverrun(): void {
    if (this.bits < this.padBits) throw new JpegCorruptError('JPEG scan is truncated');
  }

  /** At a restart interval: the scan must continue with RSTn, n counting 0..7. */
  private restart(n: number): void {
    this.checkOverrun();
    const d = this.data;
    if (this.pos + 1 >= this.end || d[this.pos] !== 0xff || d[this.pos + 1] !== RST0 + (n & 7)) {
      throw new JpegCorruptError('restart marker missing');
    }
    this.pos += 2;
    this.resetBits();
  }
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
