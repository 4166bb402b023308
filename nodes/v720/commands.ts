// Named V720 commands (spec §5.4) → the JSON the camera takes over MQTT, in a 301 forward or
// (AP mode) in a 502; and the memory-card requests of AP mode (codes 400–411). A raw
// `{code, …}` object passes through unchanged.

import { parseDate, parseRecordingRef, recordingName } from './ap-sdcard';
import type { SdRequest } from './fake-cloud';

export interface BuiltCommand {
  command: Record<string, unknown> & { code: number };
  /**
   * False for commands after which the camera does not answer with its state (it reboots,
   * leaves the network, formats): the command node reports them as sent instead of waiting.
   */
  expectsReply: boolean;
  /** Commands that exist only as a 301 forward (base info). */
  tcpOnly?: boolean;
  /** A memory-card request instead of a command (AP mode only). */
  sd?: SdRequest;
  /** For downloads: the file name to suggest (msg.filename). */
  filename?: string;
}

type Builder = (arg: unknown) => BuiltCommand;

const flag = (name: string, arg: unknown, values: readonly number[] = [0, 1]): number => {
  const v = typeof arg === 'boolean' ? (arg ? 1 : 0) : typeof arg === 'string' && /^\d+$/.test(arg) ? Number(arg) : arg;
  if (typeof v !== 'number' || !values.includes(v)) throw new Error(`${name} takes ${values.join(', ')} or true/false in msg.payload`);
  return v;
};

const setting = (code: number, field: string, values?: readonly number[]): Builder => (arg) => ({ command: { code, [field]: flag(field, arg, values) }, expectsReply: true });
const action = (code: number, extra: Record<string, unknown> = {}): Builder => () => ({ command: { code, ...extra }, expectsReply: false });

export const COMMANDS: Record<string, Builder> = {
  irLed: setting(202, 'IrLed', [0, 1, 2]),
  flip: (arg) => {
    // 0 = normal, 4 = upside down (proven by intx82); 1–3 are other mirror modes.
    const v = arg === true ? 4 : arg === false ? 0 : flag('mirrorFlip', arg, [0, 1, 2, 3, 4]);
    return { command: { code: 216, mirrorFlip: v }, expectsReply: true };
  },
  statusLed: setting(210, 'instLed'),
  motionAlert: setting(205, 'moveAlert'),
  motionSensitivity: setting(206, 'moveGrade', [0, 1, 2, 3, 4, 5]),
  sdRecording: setting(209, 'sdCardReco'),
  sdMotionMode: setting(203, 'sdMoveMode'),
  setWifi: (arg) => {
    const a = (typeof arg === 'object' && arg !== null ? arg : {}) as Record<string, unknown>;
    const ssid = a.ssid;
    const password = a.password;
    if (typeof ssid !== 'string' || ssid.length < 1 || ssid.length > 32) throw new Error('setWifi needs msg.payload.ssid (1–32 characters)');
    if (typeof password !== 'string' || password.length < 8 || password.length > 36) throw new Error('setWifi needs msg.payload.password (8–36 characters)');
    return { command: { code: 204, s: ssid, p: password }, expectsReply: false };
  },
  disconnectWifi: action(204),
  wifiScan: () => ({ command: { code: 211 }, expectsReply: true }),
  formatSd: action(207),
  apMode: action(208),
  reboot: action(299, { reboot: 1 }),
  baseInfo: () => ({ command: { code: 4, unixTimer: Math.floor(Date.now() / 1000) }, expectsReply: true, tcpOnly: true }),
  sdDates: () => ({ command: { code: 400 }, expectsReply: true, sd: { op: 'dates' } }),
  sdRecordings: (arg) => {
    const date = parseDate(arg);
    if (date === null) throw new Error('sdRecordings needs the day as "YYYYMMDD" in msg.payload');
    return { command: { code: 402, date }, expectsReply: true, sd: { op: 'recordings', date } };
  },
  sdFileInfo: (arg) => {
    const ref = parseRecordingRef(arg);
    return { command: { code: 404, date: ref.date, hours: ref.hour, minute: ref.minute }, expectsReply: true, sd: { op: 'info', ref } };
  },
  sdDownload: (arg) => {
    const ref = parseRecordingRef(arg);
    return { command: { code: 406, date: ref.date, hours: ref.hour, minute: ref.minute }, expectsReply: true, sd: { op: 'download', ref }, filename: `${recordingName(ref)}.avi` };
  },
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

/** The command for a name and its argument, or for a raw object; throws a message for the user. */
export function buildCommand(name: string | undefined, arg: unknown): BuiltCommand {
  if (name) {
    const builder = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!builder) throw new Error(`unknown V720 command "${name}" (known: ${COMMAND_NAMES.join(', ')})`);
    return builder(arg);
  }
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) throw new Error('give a command name in msg.topic, or a {code, …} object in msg.payload');
  const raw = arg as Record<string, unknown>;
  if (typeof raw.code !== 'number' || !Number.isInteger(raw.code) || raw.code < 0 || raw.code > 65535) throw new Error('a raw command needs an integer code');
  return { command: { ...raw, code: raw.code }, expectsReply: true, tcpOnly: raw.code >= 0 && raw.code <= 4 };
}
