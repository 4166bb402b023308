// Reading the JSON that cameras send: spaced, sometimes padded with NULs (spec §1.1), and from
// the network, so sized and shape-checked before anything trusts a field.

/** A JSON signalling message: an object with a numeric `code`. */
export type NaxclowMessage = Record<string, unknown> & { code: number };

/** Longest JSON payload we parse; the app's own TCP decoder stops at 8092 bytes per packet. */
export const MAX_JSON_BYTES = 16 * 1024;

/** Parses a payload into a message, or null when it is not a JSON object with a numeric code. */
export function parseMessage(payload: Buffer): NaxclowMessage | null {
  const value = parseJsonObject(payload);
  if (value === null) return null;
  const code = toCode(value.code);
  if (code === null) return null;
  value.code = code;
  return value as NaxclowMessage;
}

/** Parses any JSON object (MQTT Status/Info have no code), or null. */
export function parseJsonObject(payload: Buffer): Record<string, unknown> | null {
  if (payload.length === 0 || payload.length > MAX_JSON_BYTES) return null;
  let start = 0;
  let end = payload.length;
  while (start < end && payload[start] === 0) start++;
  while (end > start && payload[end - 1] === 0) end--;
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8', start, end));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return value as Record<string, unknown>;
}

/** Codes are numbers on the wire; a numeric string is tolerated. */
export function toCode(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,6}$/.test(value)) return Number(value);
  return null;
}

/** A field as a string, when it is one (or a number), else undefined. */
export function stringField(message: Record<string, unknown>, key: string, maxLength = 256): string | undefined {
  const v = message[key];
  if (typeof v === 'string') return v.length <= maxLength ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A field as an integer, when it is one (or an integer string), else undefined. */
export function intField(message: Record<string, unknown>, key: string): number | undefined {
  const v = message[key];
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,10}$/.test(v)) return Number(v);
  return undefined;
}

/** The nested object of a 301/502 forward, or null. */
export function contentOf(message: Record<string, unknown>): NaxclowMessage | null {
  const c = message.content;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return null;
  const code = toCode((c as Record<string, unknown>).code);
  if (code === null) return null;
  return { ...(c as Record<string, unknown>), code };
}
