// frame-assembler throughput in MB/s for MJPEG and H.264, beside copying the same bytes with
// Buffer.concat in the same chunking: an oracle that already knows where every frame ends and
// only gathers each frame's pieces into one Buffer, the least any assembler must do.
// The ratio is the price of finding the frames. Aim: ≥ 0.5.
import * as fs from 'fs';
import { StreamAssembler } from '../nodes/media/assembler/frame-assembler-engine';
import { chunked, testStream } from '../test/support/ffmpeg';
import { BenchFigure, compare, round } from './bench-support';

function chunksOf(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** Stream offsets where frames end, found once up front for the oracle. */
function frameEnds(mode: 'mjpeg' | 'h264', chunks: Buffer[]): number[] {
  const a = new StreamAssembler({ mode, camera: 'bench' });
  const sizes = [...chunks.flatMap((c) => a.push(c).frames), ...a.flush().frames].map((f) => f.payload.length);
  let end = 0;
  return sizes.map((size) => (end += size));
}

/** What an assembler that knew the boundaries would do: concat each frame's pieces. */
function* oracleFrames(chunks: Buffer[], ends: number[]): Generator<Buffer> {
  let pieces: Buffer[] = [];
  let offset = 0;
  let next = 0;
  for (const chunk of chunks) {
    let from = 0;
    while (next < ends.length && ends[next] <= offset + chunk.length) {
      pieces.push(chunk.subarray(from, ends[next] - offset));
      from = ends[next] - offset;
      yield Buffer.concat(pieces);
      pieces = [];
      next++;
    }
    if (from < chunk.length) pieces.push(chunk.subarray(from));
    offset += chunk.length;
  }
}

export async function run(): Promise<BenchFigure[]> {
  const streams = {
    mjpeg: fs.readFileSync(testStream({ kind: 'mjpeg', seconds: 10, size: '640x480', rate: 10 })),
    h264: fs.readFileSync(testStream({ kind: 'h264', seconds: 10, size: '640x480', rate: 25 })),
  } as const;
  const figures: BenchFigure[] = [];
  for (const [mode, data] of Object.entries(streams) as ['mjpeg' | 'h264', Buffer][]) {
    const chunkings: [string, Buffer[]][] = [
      ['64k', chunksOf(data, 65536)], // a pipe read (exec, ffmpeg)
      ['1460', chunksOf(data, 1460)], // one TCP segment (tcp in)
      ['random', chunked(data, 'random', 3)],
    ];
    for (const [label, chunks] of chunkings) {
      let sink = 0;
      const subject = () => {
        const a = new StreamAssembler({ mode, camera: 'bench' });
        for (const c of chunks) for (const f of a.push(c).frames) sink += f.payload.length;
        for (const f of a.flush().frames) sink += f.payload.length;
      };
      const ends = frameEnds(mode, chunks);
      const baseline = () => {
        for (const frame of oracleFrames(chunks, ends)) sink += frame.length;
      };
      const { subjectMs, baselineMs } = compare(subject, baseline);
      const mb = data.length / 1e6;
      const value = mb / (subjectMs / 1000);
      const baselineValue = mb / (baselineMs / 1000);
      figures.push({
        name: `frame-assembler ${mode} throughput, ${label} chunks`,
        value: round(value, 1),
        unit: 'MB/s',
        baseline: `Buffer.concat of each frame's pieces of the same ${label} chunks, boundaries known`,
        baselineValue: round(baselineValue, 1),
        ratio: round(value / baselineValue),
        bytes: data.length,
        chunks: chunks.length,
        checksum: sink > 0,
      });
    }
  }
  return figures;
}
