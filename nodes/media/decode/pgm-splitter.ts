// Cuts ffmpeg's `-c:v pgm -f image2pipe` output (binary PGM, "P5\n<w> <h>\n255\n" + w×h bytes,
// back to back) into grey pictures. ffmpeg writes the header in exactly that form, so anything
// else means the pipe is out of step: the splitter reports it and the caller restarts ffmpeg.

export interface GrayPicture {
  width: number;
  height: number;
  data: Buffer;
}

/** ffmpeg never writes more than a line of header; a longer one is not a PGM header. */
const MAX_HEADER = 32;
const HEADER = /^P5\n(\d{1,5}) (\d{1,5})\n255\n/;

export class PgmSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPictureBytes = 16 * 1024 * 1024) {}

  /** Pictures completed by `chunk`; throws RangeError when the stream is not PGM. */
  push(chunk: Buffer): GrayPicture[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: GrayPicture[] = [];
    for (;;) {
      const head = HEADER.exec(this.pending.subarray(0, MAX_HEADER).toString('latin1'));
      if (!head) {
        if (this.pending.length >= MAX_HEADER || (this.pending.length > 0 && this.pending[0] !== 0x50)) {
          this.pending = Buffer.alloc(0);
          throw new RangeError('decoder output is not PGM');
        }
        return out;
      }
      const width = Number(head[1]);
      const height = Number(head[2]);
      const size = width * height;
      if (size === 0 || size > this.maxPictureBytes) {
        this.pending = Buffer.alloc(0);
        throw new RangeError(`decoder picture of ${width}×${height} is out of range`);
      }
      const start = head[0].length;
      if (this.pending.length < start + size) return out;
      out.push({ width, height, data: Buffer.from(this.pending.subarray(start, start + size)) });
      this.pending = this.pending.subarray(start + size);
    }
  }

  reset(): void {
    this.pending = Buffer.alloc(0);
  }
}
