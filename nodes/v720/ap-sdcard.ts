// The camera's memory card as AP mode shows it (spec §1.4 codes 400–411, §4.5): recordings live
// at /sd/YYYYMMDD/HH/MM.avi; 400 lists the dates, 402 answers with an XML catalogue (cmd 8)
// whose `minBin` per hour is a 64-bit mask of the minutes that have a file, 404 gives a file's
// name and size, 406 streams it as cmd 7 packets until 411. Pure functions, no sockets.

/** Most bytes of a catalogue we read; a day has at most 24 <option> lines of ~50 bytes. */
export const MAX_CATALOGUE_BYTES = 64 * 1024;

/** SD status values (spec §1.4) and what they mean to a user. */
export const SD_STATUS: Record<number, string> = {
  [-1]: 'no memory card in the camera',
  [-2]: 'the memory card has an error',
  [-3]: 'no such recording on the memory card',
  [-4]: 'the recording is damaged',
};

export interface RecordingRef {
  /** YYYYMMDD as a number, as the camera takes it. */
  date: number;
  hour: number;
  minute: number;
}

export interface Recording extends RecordingRef {
  /** "YYYYMMDDHHMM", the name the camera's app shows. */
  name: string;
}

export function recordingName(ref: RecordingRef): string {
  return `${ref.date}${String(ref.hour).padStart(2, '0')}${String(ref.minute).padStart(2, '0')}`;
}

/** A date as the camera writes it (20230124 or "20230124"), or null. */
export function parseDate(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^(19|20)\d{6}$/.test(text)) return null; // a leading zero would lose a digit as a number
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? Number(text) : null;
}

/**
 * A recording named by a user: "202301312016", "20230131-20-16", or {date, hour, minute}
 * (hour and minute may also be spelt hours/minutes). Throws a message for the user.
 */
export function parseRecordingRef(value: unknown): RecordingRef {
  let parts: [unknown, unknown, unknown] | null = null;
  if (typeof value === 'string') {
    const m = /^(\d{8})(?:-?(\d{1,2})-?(\d{1,2}))$/.exec(value.trim().replace(/\.avi$/i, ''));
    if (m) parts = [m[1], m[2], m[3]];
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    parts = [o.date, o.hour ?? o.hours, o.minute ?? o.minutes];
  }
  const date = parts ? parseDate(parts[0]) : null;
  const hour = parts ? Number(parts[1]) : NaN;
  const minute = parts ? Number(parts[2]) : NaN;
  if (date === null || !Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) || minute < 0 || minute > 59) {
    throw new Error('name the recording as "YYYYMMDDHHMM" or {date: "YYYYMMDD", hour, minute} in msg.payload');
  }
  return { date, hour, minute };
}

/** The minutes (0–59) whose bits are set in a catalogue's `minBin`. */
export function minutesOf(minBin: bigint): number[] {
  const minutes: number[] = [];
  for (let m = 0; m < 60; m++) if ((minBin >> BigInt(m)) & 1n) minutes.push(m);
  return minutes;
}

/** Reads a cmd 8 catalogue into recordings, oldest first; null when it is not one. */
export function parseCatalogue(xml: string): { date: number; recordings: Recording[] } | null {
  if (xml.length > MAX_CATALOGUE_BYTES) return null;
  const catalogue = /<catalogue\b([^>]*)>/.exec(xml);
  if (!catalogue || !/<video\b/.test(xml)) return null;
  const date = parseDate(attribute(catalogue[1], 'date'));
  if (date === null) return null;
  const recordings: Recording[] = [];
  for (const option of xml.matchAll(/<option\b([^>]*?)\/?>/g)) {
    const hour = Number(attribute(option[1], 'hours'));
    const minBin = attribute(option[1], 'minBin');
    if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !minBin || !/^\d{1,20}$/.test(minBin)) continue;
    for (const minute of minutesOf(BigInt(minBin))) recordings.push({ date, hour, minute, name: recordingName({ date, hour, minute }) });
  }
  recordings.sort((a, b) => a.hour - b.hour || a.minute - b.minute);
  return { date, recordings };
}

function attribute(attributes: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]{0,32})"`).exec(attributes)?.[1];
}

/** The catalogue a camera sends for one day (for the simulator). */
export function catalogueXml(date: number, recordings: readonly RecordingRef[]): string {
  const hours = new Map<number, bigint>();
  for (const r of recordings) if (r.date === date) hours.set(r.hour, (hours.get(r.hour) ?? 0n) | (1n << BigInt(r.minute)));
  const options = [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([h, bits]) => `        <option hours="${h}" minBin="${bits}"/>\n`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<video>\n    <catalogue date="${date}" hNumb="${hours.size}">\n${options}    </catalogue>\n</video>\n`;
}

/**
 * Puts a downloaded file back together from its cmd 7 payloads. The app reads each payload as
 * [u16 LE index][u16 LE unused][file bytes] (spec §4.5), while intx82's tool kept the payloads
 * whole; the first payload tells which: an AVI starts with "RIFF", at 0 or after the prefix.
 */
export class AviAssembler {
  private readonly parts: Buffer[] = [];
  private prefixed: boolean | null = null;
  bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a payload; false when the file would grow past the cap (the download must stop). */
  push(payload: Buffer): boolean {
    if (this.prefixed === null) this.prefixed = !isRiff(payload, 0) && (isRiff(payload, 4) || payload.length > 4);
    const data = this.prefixed ? payload.subarray(Math.min(4, payload.length)) : payload;
    if (this.bytes + data.length > this.maxBytes) return false;
    this.parts.push(Buffer.from(data));
    this.bytes += data.length;
    return true;
  }

  file(): Buffer {
    return Buffer.concat(this.parts, this.bytes);
  }
}

function isRiff(b: Buffer, at: number): boolean {
  return b.length >= at + 4 && b.toString('latin1', at, at + 4) === 'RIFF';
}

/** The camera's side: a file cut into cmd 7 payloads with the app's 4-byte prefix. */
export function aviPayloads(file: Buffer, chunkBytes = 1000): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, index = 0; at < file.length; at += chunkBytes, index++) {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt16LE(index & 0xffff, 0);
    out.push(Buffer.concat([prefix, file.subarray(at, at + chunkBytes)]));
  }
  return out;
}
