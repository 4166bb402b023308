// Framer throughput: the camera byte stream (the spec's vectors back to back, cut at the SJ8's
// 1448-byte MSS) through JsonFramer, beside JSON.parse of the same objects already split, in the
// same run. The framer has to find the objects and parse them, so 1.0 would mean finding is free;
// the issue aims at a ratio of at least 0.5.
import { JsonFramer } from '../nodes/amba/json-framer';
import { CAMERA_TEXTS } from '../test/amba/vectors';

const TARGET_BYTES = 8 * 1024 * 1024;
const MSS = 1448;
const ROUNDS = 7;

/** The objects of one camera write as separate texts, cut where the framer completes each. */
function split(text: string): string[] {
  const bytes = Buffer.from(text);
  const f = new JsonFramer();
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (f.push(bytes.subarray(i, i + 1)).length > 0) {
      out.push(bytes.subarray(start, i + 1).toString());
      start = i + 1;
    }
  }
  return out;
}

function corpus(): { texts: string[]; stream: Buffer; chunks: Buffer[] } {
  const texts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    const t = CAMERA_TEXTS[i % CAMERA_TEXTS.length];
    texts.push(t);
    bytes += Buffer.byteLength(t);
  }
  const stream = Buffer.from(texts.join(''));
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += MSS) chunks.push(stream.subarray(i, i + MSS));
  return { texts, stream, chunks };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(): Promise<Record<string, unknown>[]> {
  const { texts, stream, chunks } = corpus();
  // The baseline gets one string per object (T11's write holds two).
  const splitCache = new Map(CAMERA_TEXTS.map((t) => [t, split(t)]));
  const objectTexts = texts.flatMap((t) => splitCache.get(t) ?? []);
  const objects = objectTexts.length;
  const framerMBps: number[] = [];
  const parseMBps: number[] = [];
  let found = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const f = new JsonFramer();
    let t0 = process.hrtime.bigint();
    found = 0;
    for (const c of chunks) found += f.push(c).length;
    framerMBps.push(stream.length / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9));
    t0 = process.hrtime.bigint();
    let parsed = 0;
    for (const t of objectTexts) parsed += JSON.parse(t) ? 1 : 0;
    parseMBps.push(stream.length / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9));
    if (parsed !== objects) throw new Error('baseline parse lost objects');
  }
  if (found !== objects) throw new Error(`framer found ${found} of ${objects} objects`);
  const value = median(framerMBps);
  const baselineValue = median(parseMBps);
  return [
    {
      name: 'amba framer throughput',
      value: Number(value.toFixed(1)),
      unit: 'MB/s',
      baseline: 'JSON.parse of the same objects, pre-split',
      baselineValue: Number(baselineValue.toFixed(1)),
      ratio: Number((value / baselineValue).toFixed(3)),
      aim: '>= 0.5',
      bytes: stream.length,
      objects,
    },
  ];
}
