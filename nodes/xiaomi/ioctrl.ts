// IOCtrl types (spec §3.1) and the START / AUDIOSTART bodies cameras expect (spec §3.2).
// The body barely matters to most cameras, but a picky one ignores a START it does not like and
// simply never sends video; the variant is therefore a camera setting.

export const IOTYPE = {
  INNER_SND_DATA_DELAY: 0x00ff,
  USER_DEFINED_START: 0x0100,
  IPCAM_START: 0x01ff,
  IPCAM_STOP: 0x02ff,
  AUDIOSTART: 0x0300,
  AUDIOSTOP: 0x0301,
  SETSTREAMCTRL_REQ: 0x0320,
  SETSTREAMCTRL_RESP: 0x0321,
  DEVINFO_REQ: 0x0330,
  DEVINFO_RESP: 0x0331,
  PTZ_COMMAND: 0x1001,
  RECEIVE_FIRST_IFRAME: 0x1002,
  EVENT_REPORT: 0x1fff,
} as const;

/** AV_MAX_IOCTRL_DATA_SIZE */
export const MAX_IOCTRL_BYTES = 1024;

export type StartPayloadVariant = 'json-empty' | 'json-channel' | 'legacy-1byte' | 'struct8' | 'custom-hex';
export const START_PAYLOAD_VARIANTS: readonly StartPayloadVariant[] = ['json-empty', 'json-channel', 'legacy-1byte', 'struct8', 'custom-hex'];

/**
 * The body of START and AUDIOSTART for a variant:
 * - json-empty `{}` (go2rtc's legacy Xiaomi client)
 * - json-channel `{"channel":N}`
 * - legacy-1byte `{` alone (what videoP2Proxy really sends, and the aq1 accepts)
 * - struct8: SMsgAVIoctrlAVStream, u32 LE channel + 4 reserved bytes (standard TUTK, generic Kalay)
 * - custom-hex: the user's bytes
 */
export function startPayload(variant: StartPayloadVariant, channel = 0, customHex = ''): Buffer {
  switch (variant) {
    case 'json-empty':
      return Buffer.from('{}');
    case 'json-channel':
      return Buffer.from(JSON.stringify({ channel }));
    case 'legacy-1byte':
      return Buffer.from([0x7b]);
    case 'struct8': {
      const body = Buffer.alloc(8);
      body.writeUInt32LE(channel >>> 0, 0);
      return body;
    }
    case 'custom-hex':
      return parseHexPayload(customHex);
  }
}

/** "7b 7d", "7b7d" or "0x7b,0x7d" → bytes; throws on anything else or when longer than 1024 bytes. */
export function parseHexPayload(text: string): Buffer {
  const clean = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (clean.length === 0) return Buffer.alloc(0);
  if (!/^[0-9a-f]*$/i.test(clean) || clean.length % 2 !== 0) throw new Error(`custom start payload is not hex bytes: "${text.slice(0, 40)}"`);
  const bytes = Buffer.from(clean, 'hex');
  if (bytes.length > MAX_IOCTRL_BYTES) throw new Error(`custom start payload has ${bytes.length} bytes; IOCtrl allows at most ${MAX_IOCTRL_BYTES}`);
  return bytes;
}

export function isStartPayloadVariant(value: unknown): value is StartPayloadVariant {
  return typeof value === 'string' && (START_PAYLOAD_VARIANTS as readonly string[]).includes(value);
}
