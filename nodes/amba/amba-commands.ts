// The named commands of `amba-rpc` (msg.topic), each as the requests it takes on every model:
// the model differences stay here and in model-profiles.ts, not in the node.

import type { AmbaClient, CameraEvent } from './amba-client';
import type { AmbaReply } from './amba-session';
import { MsgId } from './msg-ids';
import { ModelProfile, NormalisedEvent, batteryFromReply, cameraPath, httpUrl } from './model-profiles';
import { AmbaError } from './rval';
import { cameraClock } from './camera-clock';

export const COMMAND_NAMES = [
  'getSetting', 'setSetting', 'getAllSettings', 'getOptions', 'deviceInfo', 'battery', 'storage',
  'takePhoto', 'startRecord', 'stopRecord', 'recordTime', 'startPreview', 'stopPreview',
  'listFiles', 'mediaInfo', 'deleteFile', 'download', 'upload', 'thumbnail', 'cancelTransfer', 'format', 'setClock',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandOptions {
  /** Wait for the completion event of takePhoto / startRecord / stopRecord. */
  awaitEvent?: boolean;
  eventTimeoutMs?: number;
}

/** A command's answer: `payload` for msg.payload, `extra` for properties beside it. */
export interface CommandResult {
  payload: unknown;
  extra?: Record<string, unknown>;
}

type Args = Record<string, unknown>;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && (COMMAND_NAMES as readonly string[]).includes(name);
}

export async function runCommand(client: AmbaClient, name: CommandName, args: Args, options: CommandOptions = {}): Promise<CommandResult> {
  const profile = await client.ensureProfile();
  const c = new Commands(client, profile, args, options);
  return c[name]();
}

/** A raw request object from msg.payload: sent as it is (the session adds the token). */
export async function runRaw(client: AmbaClient, request: Args): Promise<CommandResult> {
  if (!Number.isInteger(request.msg_id)) throw new AmbaError('a raw request needs an integer msg_id', { code: 'BAD_REQUEST' });
  const { token: _ignored, ...rest } = request;
  const reply = await client.call({ ...rest, msg_id: request.msg_id as number });
  return { payload: reply };
}

class Commands {
  constructor(
    private readonly client: AmbaClient,
    private readonly profile: ModelProfile,
    private readonly args: Args,
    private readonly options: CommandOptions,
  ) {}

  async getSetting(): Promise<CommandResult> {
    const name = this.text('name');
    const reply = await this.client.call({ msg_id: MsgId.GET_SETTING, type: name }, `getSetting ${name}`);
    return { payload: { name, value: reply.param } };
  }

  async setSetting(): Promise<CommandResult> {
    const name = this.text('name');
    const value = String(this.required('value'));
    const reply = await this.client.session.request({ msg_id: MsgId.SET_SETTING, type: name, param: value });
    if (reply.rval === 0) return { payload: { name, value } };
    if (reply.rval === -14 || reply.rval === -21) {
      // Some firmware refuse a value that is already set; only a read-back tells (spec §12.11).
      const now = await this.client.session.request({ msg_id: MsgId.GET_SETTING, type: name });
      if (now.rval === 0 && String(now.param) === value) return { payload: { name, value, unchanged: true } };
    }
    throw AmbaError.fromRval(reply.rval, MsgId.SET_SETTING, `setSetting ${name}=${value}`);
  }

  async getAllSettings(): Promise<CommandResult> {
    const reply = await this.client.call({ msg_id: MsgId.GET_ALL_CURRENT_SETTINGS }, 'getAllSettings');
    const list = settingsList(reply.param);
    const settings: Record<string, string> = {};
    // SJ8 lists some names once per mode; the first is the current mode's.
    for (const [k, v] of list) if (!(k in settings)) settings[k] = v;
    return { payload: settings, extra: { settingsList: list } };
  }

  async getOptions(): Promise<CommandResult> {
    const name = this.text('name');
    const reply = await this.client.session.request({ msg_id: MsgId.GET_SINGLE_SETTING_OPTIONS, param: name });
    if (reply.rval === 0) {
      return { payload: { name, permission: String(reply.permission ?? 'settable'), options: Array.isArray(reply.options) ? reply.options.map(String) : [] } };
    }
    if (reply.rval !== -23 && reply.rval !== -9) throw AmbaError.fromRval(reply.rval, MsgId.GET_SINGLE_SETTING_OPTIONS, `getOptions ${name}`);
    // Older Yi 1 firmware: msg 3 with a name answers "settable:a#b#c" or "readonly".
    const old = await this.client.call({ msg_id: MsgId.GET_ALL_CURRENT_SETTINGS, param: name }, `getOptions ${name}`);
    const [, text = ''] = settingsList(old.param).find(([k]) => k === name) ?? [];
    if (text.startsWith('settable:')) return { payload: { name, permission: 'settable', options: text.slice('settable:'.length).split('#') } };
    return { payload: { name, permission: 'readonly', options: [] } };
  }

  async deviceInfo(): Promise<CommandResult> {
    const reply = await this.client.session.request({ msg_id: MsgId.GET_DEVICEINFO });
    if (reply.rval === 0) {
      const { rval: _r, msg_id: _m, ...raw } = reply;
      return {
        payload: {
          model: str(raw.model),
          brand: str(raw.brand),
          firmware: str(raw.firmwareVersion ?? raw.version ?? raw.sw_version ?? raw.fw_ver),
          serial: str(raw.serial_number),
          profile: this.profile.name,
          raw,
        },
      };
    }
    if (reply.rval !== -23) throw AmbaError.fromRval(reply.rval, MsgId.GET_DEVICEINFO, 'deviceInfo');
    // Yi 1 answers no msg 11; its settings hold the same facts.
    const all = settingsList((await this.client.call({ msg_id: MsgId.GET_ALL_CURRENT_SETTINGS }, 'deviceInfo')).param);
    const get = (k: string): string | undefined => all.find(([n]) => n === k)?.[1];
    return { payload: { model: get('hw_version'), firmware: get('sw_version'), serial: get('serial_number'), profile: this.profile.name, raw: { hw_version: get('hw_version'), sw_version: get('sw_version'), serial_number: get('serial_number') } } };
  }

  async battery(): Promise<CommandResult> {
    const reply = await this.client.call({ msg_id: MsgId.GET_BATTERY_LEVEL }, 'battery');
    return { payload: { ...batteryFromReply(reply), raw: strip(reply) } };
  }

  async storage(): Promise<CommandResult> {
    if (!this.profile.spaceByType) {
      const reply = await this.client.call({ msg_id: MsgId.GET_SPACE, type: 'free' }, 'storage');
      return { payload: { freeKiB: num(reply.param), remainingPhotos: num(reply.remain_photo_amount), remainingVideoSeconds: num(reply.remain_video_time), raw: strip(reply) } };
    }
    const total = await this.client.call({ msg_id: MsgId.GET_SPACE, type: 'total' }, 'storage (total)');
    const free = await this.client.call({ msg_id: MsgId.GET_SPACE, type: 'free' }, 'storage (free)');
    return { payload: { totalKiB: num(total.param), freeKiB: num(free.param) } };
  }

  async takePhoto(): Promise<CommandResult> {
    if (this.profile.photo === 'captureMode') return this.photoByCaptureMode();
    return this.withEvent((e) => e.event === 'photoTaken', 'photoTaken', () => this.client.call({ msg_id: MsgId.TAKE_PHOTO }, 'takePhoto'));
  }

  /** SJ8: photos are taken by "recording" in capture mode (README_examples: start_normal_capture). */
  private async photoByCaptureMode(): Promise<CommandResult> {
    const before = await this.client.session.request({ msg_id: MsgId.GET_SETTING, type: 'camera_mode' });
    const previous = before.rval === 0 ? String(before.param) : 'normal_record';
    await this.client.call({ msg_id: MsgId.SET_SETTING, type: 'camera_mode', param: 'normal_capture' }, 'takePhoto (capture mode)');
    try {
      return await this.withEvent((e) => e.event === 'photoTaken', 'photoTaken', () => this.client.call({ msg_id: MsgId.RECORD_START }, 'takePhoto'));
    } finally {
      if (previous !== 'normal_capture') await this.client.session.request({ msg_id: MsgId.SET_SETTING, type: 'camera_mode', param: previous }).catch(() => undefined);
    }
  }

  startRecord(): Promise<CommandResult> {
    return this.withEvent((e) => e.event === 'recordStarted', 'recordStarted', () => this.client.call({ msg_id: MsgId.RECORD_START }, 'startRecord'));
  }

  stopRecord(): Promise<CommandResult> {
    return this.withEvent((e) => e.event === 'recordCompleted', 'recordCompleted', () => this.client.call({ msg_id: MsgId.RECORD_STOP }, 'stopRecord'));
  }

  async recordTime(): Promise<CommandResult> {
    const reply = await this.client.call({ msg_id: MsgId.GET_RECORD_TIME }, 'recordTime');
    return { payload: { seconds: num(reply.param) } };
  }

  /** 259; a Yi 1 that restarted its viewfinder itself answers -21: stop it, wait for vf_stop, start once more. */
  async startPreview(): Promise<CommandResult> {
    const request = this.profile.previewParam === undefined ? { msg_id: MsgId.RESET_VF } : { msg_id: MsgId.RESET_VF, param: this.profile.previewParam };
    const first = await this.client.session.request(request);
    let restarted = false;
    if (first.rval === -21) {
      const stopped = this.client.waitForEvent((e) => e.event === 'viewfinder' && !e.on, 5000, 'vf_stop');
      await this.client.call({ msg_id: MsgId.STOP_VF }, 'startPreview (stop running viewfinder)').catch((err) => {
        stopped.cancel();
        throw err;
      });
      await stopped.promise.catch(() => undefined); // a model without vf events: the ack is all there is
      await this.client.call(request, 'startPreview');
      restarted = true;
    } else if (first.rval !== 0) {
      throw AmbaError.fromRval(first.rval, MsgId.RESET_VF, 'startPreview');
    }
    return { payload: { rtsp: `rtsp://${this.client.host}/live`, restarted } };
  }

  async stopPreview(): Promise<CommandResult> {
    await this.client.call({ msg_id: MsgId.STOP_VF }, 'stopPreview');
    return { payload: { stopped: true } };
  }

  async listFiles(): Promise<CommandResult> {
    const dir = (this.optionalText('dir') ?? this.profile.mediaDir).replace(/\/+$/, '');
    // Always with the trailing slash: a Yi 1 given a bare directory name crashed (spec §3.1).
    const reply = await this.client.call({ msg_id: MsgId.LS, param: `${dir}/ -D -S` }, `listFiles ${dir}`);
    const files = (Array.isArray(reply.listing) ? reply.listing : []).flatMap((item) => listingEntry(item, dir, this.client.host, this.profile));
    return { payload: files, extra: { dir } };
  }

  async mediaInfo(): Promise<CommandResult> {
    const path = this.path();
    const reply = await this.client.call({ msg_id: MsgId.GET_MEDIAINFO, param: path }, `mediaInfo ${path}`);
    return { payload: { path, ...strip(reply) } };
  }

  async deleteFile(): Promise<CommandResult> {
    const path = this.path();
    await this.client.call({ msg_id: MsgId.DEL_FILE, param: path }, `deleteFile ${path}`);
    return { payload: { path, deleted: true } };
  }

  async download(): Promise<CommandResult> {
    const path = this.path();
    const offset = this.args.offset === undefined ? 0 : Math.max(0, Math.floor(Number(this.args.offset)) || 0);
    const r = await this.client.data.download(path, { offset });
    return { payload: r.data, extra: { path: r.path, size: r.size, md5: r.md5, md5Verified: r.md5Verified, resumed: r.resumed, url: httpUrl(this.client.host, r.path, this.profile) } };
  }

  async upload(): Promise<CommandResult> {
    const path = this.path();
    const data = this.args.data;
    const bytes = Buffer.isBuffer(data) ? data : typeof data === 'string' ? Buffer.from(data) : null;
    if (!bytes) throw new AmbaError('upload needs the file content in payload.data (a Buffer or a string)', { code: 'BAD_REQUEST' });
    const r = await this.client.data.upload(path, bytes);
    return { payload: r };
  }

  async thumbnail(): Promise<CommandResult> {
    const path = this.path();
    const r = await this.client.data.thumbnail(path, this.optionalText('type') ?? 'thumb');
    return { payload: r.data, extra: { path: r.path, size: r.size, md5: r.md5, thumbType: r.type } };
  }

  async cancelTransfer(): Promise<CommandResult> {
    return { payload: await this.client.data.cancel() };
  }

  async format(): Promise<CommandResult> {
    await this.client.call({ msg_id: MsgId.FORMAT, param: 'D:' }, 'format');
    return { payload: { formatted: true } };
  }

  async setClock(): Promise<CommandResult> {
    const given = this.args.time ?? this.args.value;
    const clock = typeof given === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(given) ? given : cameraClock(given instanceof Date || typeof given === 'number' ? new Date(given) : new Date());
    await this.client.call({ msg_id: MsgId.SET_SETTING, type: 'camera_clock', param: clock }, 'setClock');
    return { payload: { clock } };
  }

  // --- helpers ------------------------------------------------------------------------------

  /** Sends, and optionally waits for the completion event, which may arrive before the ack. */
  private async withEvent(match: (e: NormalisedEvent) => boolean, what: string, send: () => Promise<AmbaReply>): Promise<CommandResult> {
    if (!this.options.awaitEvent) {
      const reply = await send();
      return { payload: strip(reply) };
    }
    const waiter = this.client.waitForEvent(match, this.options.eventTimeoutMs ?? 15_000, what);
    try {
      const reply = await send();
      const event: CameraEvent = await waiter.promise;
      return { payload: { ...strip(reply), ...event.normalised }, extra: { event: event.raw } };
    } finally {
      waiter.cancel();
    }
  }

  private path(): string {
    const p = this.text('path');
    return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) ? cameraPath(p, this.profile) : `${this.profile.mediaDir}/${p}`;
  }

  private required(key: string): unknown {
    const v = this.args[key];
    if (v === undefined || v === null || v === '') throw new AmbaError(`missing payload.${key}`, { code: 'BAD_REQUEST' });
    return v;
  }

  private text(key: string): string {
    return String(this.required(key));
  }

  private optionalText(key: string): string | undefined {
    const v = this.args[key];
    return v === undefined || v === null || v === '' ? undefined : String(v);
  }
}

function settingsList(param: unknown): [string, string][] {
  if (!Array.isArray(param)) return [];
  const out: [string, string][] = [];
  for (const item of param) {
    if (item && typeof item === 'object') for (const [k, v] of Object.entries(item as Record<string, unknown>)) out.push([k, String(v)]);
  }
  return out;
}

function listingEntry(item: unknown, dir: string, host: string, profile: ModelProfile): Record<string, unknown>[] {
  if (!item || typeof item !== 'object') return [];
  return Object.entries(item as Record<string, unknown>).map(([name, value]) => {
    const text = String(value);
    const m = /^(\d+) bytes\|(.*)$/.exec(text);
    const isDir = name.endsWith('/');
    const clean = isDir ? name.slice(0, -1) : name;
    const path = `${dir}/${clean}`;
    return { name: clean, path, dir: isDir, size: m ? Number(m[1]) : undefined, date: m ? m[2] : text, url: isDir ? undefined : httpUrl(host, path, profile) };
  });
}

function strip(reply: AmbaReply): Record<string, unknown> {
  const { rval: _r, msg_id: _m, ...rest } = reply;
  return rest;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}
