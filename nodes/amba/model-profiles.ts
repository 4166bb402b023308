// What differs between Ambarella cameras on the client side (spec §8): SD paths, the 257 extras,
// how a photo is taken, the battery reply's shape, and the notification names, which are folded
// into one vocabulary (photoTaken, recordStarted, recordCompleted, viewfinder, settingChanged,
// battery, sessionLost) so a flow works with every model.

export const PROFILE_NAMES = ['yi1', 'yi4k', 'mijia4k', 'sj8', 'generic'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface ModelProfile {
  name: ProfileName;
  label: string;
  sdRoot: string;
  mediaDir: string;
  startSessionExtras?: Record<string, unknown>;
  heartbeatField: boolean;
  /** 'msg769': take photo; 'captureMode': SJ8 switches camera_mode to normal_capture and starts (513). */
  photo: 'msg769' | 'captureMode';
  /** msg 5 answers per `type` (total/free); Mijia answers free space and remaining counts at once. */
  spaceByType: boolean;
  /** Param of 259; the Yi 4K SDK sends none. */
  previewParam?: string;
  /** Notification names that are modes (SJ8 sends the new camera_mode as the event type). */
  modeEvents: string[];
}

const SJ8_MODES = ['normal_record', 'timelapse_video', 'slow_video', 'normal_capture', 'timelapse_photo', 'burst_capture', 'car_mode'];

export const PROFILES: Readonly<Record<ProfileName, ModelProfile>> = {
  yi1: { name: 'yi1', label: 'Xiaomi Yi 1', sdRoot: '/tmp/fuse_d', mediaDir: '/tmp/fuse_d/DCIM/100MEDIA', heartbeatField: false, photo: 'msg769', spaceByType: true, previewParam: 'none_force', modeEvents: [] },
  yi4k: {
    name: 'yi4k',
    label: 'Xiaomi Yi 4K',
    sdRoot: '/tmp/fuse_d',
    mediaDir: '/tmp/fuse_d/DCIM/100MEDIA',
    startSessionExtras: { param: 0, heartbeat: 1 },
    heartbeatField: true,
    photo: 'msg769',
    spaceByType: true,
    modeEvents: [],
  },
  mijia4k: { name: 'mijia4k', label: 'Xiaomi Mijia 4K', sdRoot: '/tmp/SD0', mediaDir: '/tmp/SD0/DCIM/100MEDIA', heartbeatField: false, photo: 'msg769', spaceByType: false, previewParam: 'none_force', modeEvents: [] },
  sj8: { name: 'sj8', label: 'SJCAM SJ8 Pro', sdRoot: '/tmp/SD0', mediaDir: '/tmp/SD0/DCIM/100MEDIA', heartbeatField: false, photo: 'captureMode', spaceByType: true, previewParam: 'none_force', modeEvents: SJ8_MODES },
  generic: { name: 'generic', label: 'Ambarella (generic)', sdRoot: '/tmp/SD0', mediaDir: '/tmp/SD0/DCIM/100MEDIA', heartbeatField: false, photo: 'msg769', spaceByType: true, previewParam: 'none_force', modeEvents: [] },
};

/** Clues for auto-detection: the 257 reply, the msg 11 reply, firmware/hardware version settings. */
export interface DetectionClues {
  startReply?: Record<string, unknown>;
  deviceInfo?: Record<string, unknown>;
  hwVersion?: string;
  swVersion?: string;
}

export function detectProfile(clues: DetectionClues): ProfileName {
  const model = String(clues.deviceInfo?.model ?? clues.startReply?.model ?? '').toUpperCase();
  const brand = String(clues.deviceInfo?.brand ?? '').toUpperCase();
  const versions = `${clues.hwVersion ?? ''} ${clues.swVersion ?? ''}`.toUpperCase();
  if (model === 'YDXJ01FM') return 'mijia4k';
  if (brand === 'SJCAM' || model.startsWith('SJ8')) return 'sj8';
  if (/^(Z16|Z18|J11)/.test(model) || /(^|\s)(Z16|Z18|J11)/.test(versions)) return 'yi4k';
  if (model.startsWith('YDXJ') || /(^|\s)YDXJ/.test(versions)) return 'yi1';
  return 'generic';
}

// --- events ------------------------------------------------------------------------------------

export type NormalisedEvent =
  | { event: 'photoTaken'; path?: string }
  | { event: 'recordStarted' }
  | { event: 'recordCompleted'; path?: string }
  | { event: 'viewfinder'; on: boolean }
  | { event: 'settingChanged'; name: string; value: unknown }
  | { event: 'battery'; level: number | null; charging: boolean }
  | { event: 'sessionLost'; reason: string };

const PHOTO = new Set(['photo_taken', 'capture_complete', 'start_normal_capture', 'piv_complete']);
const RECORD_STARTED = new Set(['start_video_record', 'start_record', 'start_normal_record']);
const RECORD_COMPLETED = new Set(['video_record_complete', 'record_complete', 'stop_normal_record']);

/** The normalised meaning of a raw notification, or null when it has none. */
export function normaliseEvent(raw: Record<string, unknown>, profile: ModelProfile): NormalisedEvent | null {
  const type = String(raw.type ?? '');
  const param = raw.param;
  const path = typeof param === 'string' && param.length > 0 ? cameraPath(param, profile) : undefined;
  if (PHOTO.has(type)) return path ? { event: 'photoTaken', path } : { event: 'photoTaken' };
  if (RECORD_STARTED.has(type)) return { event: 'recordStarted' };
  if (RECORD_COMPLETED.has(type)) return path ? { event: 'recordCompleted', path } : { event: 'recordCompleted' };
  if (type === 'vf_start' || type === 'vf_stop') return { event: 'viewfinder', on: type === 'vf_start' };
  if (type === 'setting_changed') return { event: 'settingChanged', name: String(param ?? ''), value: raw.value };
  if (profile.modeEvents.includes(type)) return { event: 'settingChanged', name: 'camera_mode', value: type };
  if (type === 'battery' || type === 'adapter') return { event: 'battery', level: percent(param), charging: type === 'adapter' };
  if (type === 'adapter_status') return { event: 'battery', level: null, charging: String(param) === '1' };
  return null;
}

/** Battery from a msg 13 reply in any model's shape (spec §3.1). */
export function batteryFromReply(reply: Record<string, unknown>): { level: number | null; charging: boolean } {
  // Mijia: param "adapter"/"battery", level "90"; Yi: type + param "86"; SJ8: type + param 75.
  if (reply.level !== undefined) return { level: percent(reply.level), charging: reply.param === 'adapter' };
  return { level: percent(reply.param), charging: reply.type === 'adapter' };
}

function percent(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** One path form for every model: `C:\DCIM\…` (Mijia) and `/var/www/…` (Yi) become SD paths. */
export function cameraPath(p: string, profile: ModelProfile): string {
  let out = p;
  const drive = /^[A-Za-z]:[\\/]/.exec(out);
  if (drive) out = profile.sdRoot + '/' + out.slice(drive[0].length).replace(/\\/g, '/');
  if (out.startsWith('/var/www/')) out = '/tmp/fuse_d/' + out.slice('/var/www/'.length);
  return out;
}

/** The camera's web server serves the card from its root (spec §4.5). */
export function httpUrl(host: string, p: string, profile: ModelProfile): string | undefined {
  const root = profile.sdRoot + '/';
  if (!p.startsWith(root)) return undefined;
  return `http://${host}/${p.slice(root.length).split('/').map(encodeURIComponent).join('/')}`;
}
