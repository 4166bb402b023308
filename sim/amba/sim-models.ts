// The simulated cameras: the captured models (Yi 1, Mijia 4K, SJ8 Pro) exactly as the captures
// give them, plus what the captures lack, filled in from the spec and marked as inferred:
// - handlers the captures have no text for (options on Yi 1, thumbnails, media info, upload,
//   format, the Wi-Fi status error without its closing brace), in the same step format;
// - option catalogues (spec §9) so that msg 9 answers and msg 2 refuses bad values;
// - two models with no capture at all: Yi 4K (spec §8/§9.2) and a generic reference-server camera.
// Captured handlers always win over the filled-in ones.

import { readFileSync } from 'fs';
import * as path from 'path';
import type { ModelTranscript, SimHandler, SimStep, TranscriptFile } from './sim-transcript-types';

/** The captures of real cameras, kept verbatim as data (a copy of shared/captures/amba_transcripts.json):
 * the simulator replays exactly what the cameras wrote, with their write boundaries and delays. */
const CAPTURED: TranscriptFile = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', '..', 'sim', 'amba', 'captures.json'), 'utf8'),
) as TranscriptFile;

export const SIM_MODELS = ['yi1', 'yi4k', 'mijia4k', 'sj8', 'generic'] as const;
export type SimModelName = (typeof SIM_MODELS)[number];

export interface SimModel extends ModelTranscript {
  name: SimModelName;
  /** Option lists for msg 9 and for checking msg 2 values. */
  options: Record<string, string[]>;
  /** Settings msg 9 calls readonly and msg 2 refuses. */
  readonly: string[];
  /** Settings that act as commands (clock, reboot): accepted, not stored as options. */
  commandSettings: string[];
  /** Notification names this model uses (for the simulator's own state machine). */
  events: { recordStarted: string; photoStarted?: string };
  mss: number;
  mssGapMs: number;
  /** The data server serves only a client that told its address (261) in this session: the SDK's
   *  rule, kept by the reference server and the Yi 4K (whose official SDK sends 261). The Yi 1,
   *  Mijia and SJ8 answer 261 but transfer without it (Yi 1 community clients never send it). */
  clientInfoRequired: boolean;
}

const step = (d: number, ...w: string[]): SimStep => ({ d, w });

function captured(name: string): ModelTranscript {
  const model = CAPTURED.models[name];
  if (typeof model !== 'object') throw new Error(`no captured model ${name}`);
  return JSON.parse(JSON.stringify(model)) as ModelTranscript;
}

/** Handlers every model gets where its capture has none (evidence: spec / sdk, inferred texts). */
function commonFill(mediaType: { img: string; mov: string }): Record<string, SimHandler> {
  return {
    '4': { evidence: 'inferred', effects: ['format'], steps: [step(1500, '{"rval":0,"msg_id":4}')] },
    '9': {
      evidence: 'spec T6 shape',
      action: 'options',
      texts: {
        settable: '{"rval":0,"msg_id":9,"param":"${name}","permission":"settable","options":${options}}',
        readonly: '{"rval":0,"msg_id":9,"param":"${name}","permission":"readonly","options":[]}',
      },
    },
    '258': { evidence: 'sdk', action: 'session_stop', steps: [step(15, '{"rval":0,"msg_id":258}')] },
    '261': { evidence: 'log', action: 'client_info', steps: [step(10, '{"rval":0,"msg_id":261}')] },
    '1025': {
      evidence: 'spec §4.4 (AppLib sends the reply after the bytes)',
      action: 'thumb',
      texts: { ack: '{"rval":0,"msg_id":1025,"size":${size},"type":"${type}","md5sum":"${md5}"}' },
    },
    '1026': { evidence: 'spec T8 shape', action: 'mediainfo', texts: mediaType },
    '1281': { evidence: 'sdk', action: 'delete', steps: [step(20, '{"rval":0,"msg_id":1281}')] },
    '1282': { evidence: 'sdk', action: 'ls', steps: [step(20, '{"rval":0,"msg_id":1282,"listing":${listing}}')] },
    '1283': { evidence: 'sdk', action: 'cd', steps: [step(10, '{"rval":0,"msg_id":1283,"pwd":"${pwd}"}')] },
    '1284': { evidence: 'sdk', action: 'pwd', steps: [step(10, '{"rval":0,"msg_id":1284,"pwd":"${pwd}"}')] },
    '1286': {
      evidence: 'spec T9',
      action: 'put_file',
      texts: {
        ack: '{"rval":0,"msg_id":1286}',
        complete: '{"md5sum":"${md5}","msg_id":7,"type":"put_file_complete","param":${bytes_received}}',
        fail: '{"msg_id":7,"type":"put_file_fail","param":${bytes_received}}',
      },
    },
    '1287': {
      evidence: 'sdk',
      action: 'cancel_xfer',
      texts: { ack: '{"rval":0,"msg_id":1287,"transferred_size":${bytes_sent}}', idle: '{"rval":-14,"msg_id":1287}' },
    },
    // The reference server's GET_WIFI_STATUS error branch forgets its closing brace (spec §1.2 b).
    '1542': { evidence: 'sdk', steps: [step(20, '{"rval":-1,"msg_id":1542')] },
  };
}

function fill(model: ModelTranscript, extra: Record<string, SimHandler>): void {
  for (const [key, handler] of Object.entries(extra)) if (!(key in model.handlers)) model.handlers[key] = handler;
  // The captured 261 texts stay; the simulator also has to remember what the client told it.
  model.handlers['261'] = { ...model.handlers['261'], action: 'client_info' };
}

const ON_OFF = ['on', 'off'];
const STAMPS = ['off', 'date', 'time', 'date/time'];
const QUALITY = ['S.Fine', 'Fine', 'Normal'];

function yi1(): SimModel {
  const m = captured('yi1');
  fill(m, commonFill({
    img: '{"rval":0,"msg_id":1026,"size":${size},"date":"${date}","resolution":"4608x3456","media_type":"img"}',
    mov: '{"rval":0,"msg_id":1026,"size":${size},"date":"${date}","resolution":"1920x1080","media_type":"mov","duration":12,"framerate":"60"}',
  }));
  const captureModes = ['precise quality', 'precise quality cont.', 'burst quality', 'precise self quality'];
  return {
    ...m,
    name: 'yi1',
    options: {
      video_standard: ['NTSC', 'PAL'],
      video_resolution: ['1920x1080 60P 16:9', '1920x1080 30P 16:9', '1280x960 60P 4:3', '1280x720 60P 16:9', '1280x720 120P 16:9', '848x480 240P 16:9'],
      'video_resolution@PAL': ['1920x1080 48P 16:9', '1920x1080 24P 16:9', '1280x960 48P 4:3', '1280x720 48P 16:9'],
      video_stamp: STAMPS,
      video_quality: QUALITY,
      timelapse_video: ['off', '0.5', '1', '2', '5', '10', '30', '60'],
      capture_mode: captureModes,
      capture_default_mode: captureModes,
      photo_size: ['16M (4608x3456 4:3)', '13M (4128x3096 4:3)', '8M (3264x2448 4:3)', '5M (2560x1920 4:3)'],
      photo_stamp: STAMPS,
      photo_quality: QUALITY,
      preview_status: ON_OFF,
      buzzer_volume: ['high', 'low', 'mute'],
      buzzer_ring: ON_OFF,
      precise_cont_time: ['0.5 sec', '1.0 sec', '2.0 sec', '5.0 sec', '10.0 sec', '30.0 sec', '60.0 sec'],
      burst_capture_number: ['3 p / s', '5 p / s', '7 p / s', '7 p / 2s'],
      led_mode: ['all enable', 'all disable', 'status enable'],
      meter_mode: ['center', 'average', 'spot'],
      video_output_dev_type: ['hdmi', 'tv', 'off'],
      auto_low_light: ON_OFF,
      loop_record: ON_OFF,
      warp_enable: ON_OFF,
      precise_selftime: ['3s', '5s', '10s', '15s'],
      auto_power_off: ['off', '3 minutes', '5 minutes', '10 minutes'],
      system_mode: ['capture', 'record'],
      system_default_mode: ['capture', 'record'],
      osd_enable: ON_OFF,
    },
    readonly: ['app_status', 'timelapse_photo', 'sd_card_status', 'sw_version', 'hw_version', 'dual_stream_status', 'streaming_status', 'precise_cont_capturing', 'piv_enable', 'support_auto_low_light', 'precise_self_running', 'serial_number'],
    commandSettings: ['camera_clock', 'dev_reboot', 'restore_factory_settings', 'save_log', 'wifi_update'],
    events: { recordStarted: 'start_video_record', photoStarted: 'start_photo_capture' },
    mss: CAPTURED.transport.mss,
    mssGapMs: CAPTURED.transport.mss_gap_ms,
    clientInfoRequired: false,
  };
}

function mijia4k(): SimModel {
  const m = captured('mijia4k');
  fill(m, commonFill({ img: '', mov: '' }));
  return {
    ...m,
    name: 'mijia4k',
    options: {
      video_resolution: ['3840x2160/30', '2560x1440/60', '2560x1440/30', '1920x1080/120', '1920x1080/60', '1920x1080/30', '1280x720/240'],
      video_quality: QUALITY,
      video_stamp: STAMPS,
      video_eis: ON_OFF,
      video_mute: ON_OFF,
      photo_size: ['12M', '8M', '5M'],
      photo_raw: ON_OFF,
      system_type: ['NTSC', 'PAL'],
      led_mode: ['all_on', 'all_off', 'status_on'],
      auto_power_off: ['off', '3min', '5min', '10min'],
      mode_setting: ['normal_record', 'loop_record', 'slow_motion', 'time_lapse_video', 'normal_capture', 'time_lapse_capture', 'burst_capture'],
    },
    readonly: ['app_status', 'sd_status', 'upgrade_check'],
    commandSettings: ['camera_clock', 'default_setting'],
    events: { recordStarted: 'start_record' },
    mss: CAPTURED.transport.mss,
    mssGapMs: CAPTURED.transport.mss_gap_ms,
    clientInfoRequired: false,
  };
}

function sj8(): SimModel {
  const m = captured('sj8');
  fill(m, commonFill({
    img: '{"rval":0,"msg_id":1026,"size":${size},"date":"${date}","resolution":"4000x3000","media_type":"img"}',
    mov: '{"rval":0,"msg_id":1026,"size":${size},"date":"${date}","resolution":"1920x1080","media_type":"mov","duration":12,"framerate":"60"}',
  }));
  const options: Record<string, string[]> = {};
  for (const [name, h] of Object.entries(m.handlers['9']?.by_param ?? {})) {
    const text = h.steps?.[0]?.w[0];
    if (text) options[name] = (JSON.parse(text) as { options: string[] }).options;
  }
  options.camera_mode = ['normal_record', 'timelapse_video', 'slow_video', 'normal_capture', 'timelapse_photo', 'burst_capture', 'car_mode'];
  return {
    ...m,
    name: 'sj8',
    options,
    readonly: [],
    commandSettings: ['camera_clock', 'camera_mode', 'stream_out_type', 'save_low_resolution_clip'],
    events: { recordStarted: 'start_normal_record' },
    mss: CAPTURED.transport.mss,
    mssGapMs: CAPTURED.transport.mss_gap_ms,
    clientInfoRequired: false,
  };
}

/** Yi 4K: no capture; the Yi 1 texts with the 4K-family differences of spec §8 and §9.2. */
function yi4k(): SimModel {
  const base = yi1();
  const h = base.handlers;
  const settingChanged = '{"msg_id":7,"type":"setting_changed","param":"${type}","value":"${param}"}';
  return {
    ...base,
    name: 'yi4k',
    title: 'Xiaomi Yi 4K (Z16), inferred from spec §8/§9.2 and the official SDK value sets',
    first_token: 1,
    nul_after: [],
    clientInfoRequired: true,
    session: {
      ...base.session,
      reply: {
        steps: [step(40, '{"rval":0,"msg_id":257,"param":${token},"rtsp":"rtsp://${host}/live","model":"Z16","album":0,"fwupdate":0,"mvrecover":0,"sdformat":0,"sdoptimize":0,"usbstorage":0,"voiceControl":0,"live":0}')],
      },
    },
    settings: {
      style: 'compact',
      items: [
        ['camera_clock', '2017-05-20 10:00:00'], ['app_status', 'idle'], ['rec_mode', 'record'], ['video_resolution', '3840x2160 30P 16:9'],
        ['photo_size', '12MP (4000x3000 4:3) fov:w'], ['fov', 'wide'], ['iq_video_wb', 'auto'], ['iq_video_iso', 'auto'], ['iq_video_ev', '0'],
        ['iq_photo_wb', 'auto'], ['iq_photo_iso', 'auto'], ['iq_photo_ev', '0'], ['iq_photo_shutter', 'auto'], ['video_sharpness', 'medium'],
        ['photo_sharpness', 'medium'], ['video_flat_color', 'yi'], ['photo_flat_color', 'yi'], ['iq_eis_enable', 'off'], ['warp_enable', 'off'],
        ['video_mute_set', 'off'], ['timelapse_video_duration', 'off'], ['screen_auto_lock', '60s'], ['video_rotate', 'off'],
        ['loop_rec_duration', '5 minutes'], ['sw_version', 'Z16V13L_1.11.6_build-20170210'], ['hw_version', 'Z16_V13L'], ['serial_number', 'Z16XXXXXXXX'],
      ],
      live_keys: { app_status: 'app_status' },
    },
    handlers: {
      ...h,
      '2': { action: 'set_setting', evidence: 'inferred (echo + setting_changed, spec §3.1)', steps: [step(20, '{"rval":0,"msg_id":2,"type":"${type}"}'), step(40, settingChanged)] },
      '4': { evidence: 'spec §3.1', effects: ['format'], steps: [step(1500, '{"rval":0,"msg_id":4}'), step(200, '{"msg_id":7,"type":"sdcard_format_done"}')] },
      '11': { evidence: 'inferred', steps: [step(15, '{"rval":0,"msg_id":11,"model":"Z16","sw_version":"Z16V13L_1.11.6","hw_version":"Z16_V13L","serial_number":"Z16XXXXXXXX"}')] },
      '13': { evidence: 'inferred (same shape as Yi 1)', steps: [step(15, '{"rval":0,"msg_id":13,"type":"${power}","param":"${battery}"}')] },
    },
    options: {
      rec_mode: ['record', 'record_timelapse', 'record_slow_motion', 'record_loop', 'record_photo'],
      video_resolution: ['3840x2160 30P 16:9', '3840x2160 30P 16:9 super', '2560x1920 30P 4:3', '1920x1440 60P 4:3', '1920x1440 30P 4:3', '1920x1080 120P 16:9', '1920x1080 60P 16:9', '1920x1080 30P 16:9', '1280x960 120P 4:3', '1280x960 60P 4:3', '1280x720 240P 16:9', '840x480 240P 16:9'],
      photo_size: ['12MP (4000x3000 4:3) fov:w', '7MP (3008x2256 4:3) fov:w', '7MP (3008x2256 4:3) fov:m', '5MP (2560x1920 4:3) fov:m', '8MP (3840x2160 16:9) fov:w'],
      fov: ['wide', 'medium', 'narrow'],
      iq_video_wb: ['auto', 'native', '3000k', '5500k', '6500k'],
      iq_photo_wb: ['auto', 'native', '3000k', '5500k', '6500k'],
      iq_video_iso: ['auto', '100', '200', '400', '800', '1600', '6400'],
      iq_photo_iso: ['auto', '100', '200', '400', '800', '1600', '6400'],
      iq_video_ev: ['-2.0', '-1.5', '-1.0', '-0.5', '0', '+0.5', '+1.0', '+1.5', '+2.0'],
      iq_photo_ev: ['-2.0', '-1.5', '-1.0', '-0.5', '0', '+0.5', '+1.0', '+1.5', '+2.0'],
      iq_photo_shutter: ['auto', '2s', '5s', '10s', '20s', '30s'],
      video_sharpness: ['low', 'medium', 'high'],
      photo_sharpness: ['low', 'medium', 'high'],
      video_flat_color: ['yi', 'flat'],
      photo_flat_color: ['yi', 'flat'],
      iq_eis_enable: ON_OFF,
      warp_enable: ON_OFF,
      video_mute_set: ON_OFF,
      timelapse_video_duration: ['off', '6s', '8s', '10s', '20s', '30s', '60s', '120s'],
      screen_auto_lock: ['never', '30s', '60s', '120s'],
      video_rotate: ['off', 'on', 'auto'],
      loop_rec_duration: ['5 minutes', '20 minutes', '60 minutes', '120 minutes', 'max'],
    },
    readonly: ['app_status', 'sw_version', 'hw_version', 'serial_number'],
  };
}

/** A reference-server camera (spec §3, SDK): compact texts, AmpUT completion form, NUL after 257. */
function generic(): SimModel {
  const base = sj8();
  const h = base.handlers;
  return {
    ...base,
    name: 'generic',
    title: 'Generic Ambarella reference server (SDK behaviour, inferred texts)',
    first_token: 1,
    stale_session_at_start: false,
    nul_after: [257],
    clientInfoRequired: true,
    busy_reply_delay_max_ms: undefined,
    settings: {
      style: 'compact',
      items: [['camera_clock', '2020-01-01 00:00:00'], ['app_status', 'idle'], ['video_resolution', '1920x1080 30P 16:9'], ['photo_size', '8M'], ['video_stamp', 'off'], ['sw_version', 'AMBA_4.1.0'], ['hw_version', 'A12']],
      live_keys: { app_status: 'app_status' },
    },
    options: { video_resolution: ['1920x1080 30P 16:9', '1920x1080 60P 16:9', '1280x720 60P 16:9'], photo_size: ['12M', '8M', '5M'], video_stamp: STAMPS },
    readonly: ['app_status', 'sw_version', 'hw_version'],
    commandSettings: ['camera_clock'],
    events: { recordStarted: 'start_video_record', photoStarted: 'start_photo_capture' },
    initial_state: { recording: false, vf: 'on', app_status: 'idle', power: 'battery', battery: '80' },
    handlers: {
      ...h,
      '9': commonFill({ img: '', mov: '' })['9'],
      '11': { evidence: 'inferred', steps: [step(15, '{"rval":0,"msg_id":11,"brand":"Ambarella","model":"A12_EVK","chip":"A12","fw_ver":"1.0","api_ver":"4.1.0","media_folder":"/tmp/SD0/DCIM"}')] },
      '13': { evidence: 'inferred (SDK)', steps: [step(15, '{"rval":0,"msg_id":13,"type":"${power}","param":"${battery}"}')] },
      '513': {
        cases: [
          { when: { recording: true }, steps: [step(15, '{"rval":-14,"msg_id":513}')] },
          { set: { recording: true, rec_started: '${now}', app_status: 'record' }, steps: [step(20, '{"rval":0,"msg_id":513}'), step(300, '{"msg_id":7,"type":"start_video_record"}')] },
        ],
      },
      '514': {
        cases: [
          { when: { recording: true }, set: { recording: false, app_status: 'idle' }, effects: ['new_video'], steps: [step(20, '{"rval":0,"msg_id":514}'), step(300, '{"msg_id":7,"type":"video_record_complete","param":"${video_path}"}')] },
          { steps: [step(15, '{"rval":-14,"msg_id":514}')] },
        ],
      },
      '769': {
        cases: [
          { when: { recording: true }, steps: [step(15, '{"rval":-14,"msg_id":769}')] },
          { effects: ['new_photo'], steps: [step(20, '{"rval":0,"msg_id":769}'), step(200, '{"msg_id":7,"type":"start_photo_capture"}'), step(300, '{"msg_id":7,"type":"photo_taken","param":"${photo_path}"}')] },
        ],
      },
      '259': { set: { vf: 'on' }, steps: [step(20, '{"rval":0,"msg_id":259}'), step(50, '{"msg_id":7,"type":"vf_start"}')] },
      '260': { set: { vf: 'off' }, steps: [step(20, '{"rval":0,"msg_id":260}'), step(50, '{"msg_id":7,"type":"vf_stop"}')] },
      '1285': {
        action: 'get_file',
        evidence: 'sdk (AmpUT completion form)',
        texts: {
          ack: '{"rval":0,"msg_id":1285,"rem_size":${rem_size},"size":${size}}',
          complete: '{"token":${token},"msg_id":7,"type":"get_file_complete","param":${bytes_sent},"md5sum":"${md5}"}',
          fail: '{"token":${token},"msg_id":7,"type":"get_file_fail","param":${bytes_sent}}',
        },
      },
    },
    photo_name: 'IMG_{n:04d}.JPG',
    video_name: 'MOV_{n:04d}.MP4',
    default_file: { name: 'IMG_0001.JPG', date: '2020-01-01 00:00:10' },
  };
}

export function simModel(name: SimModelName): SimModel {
  switch (name) {
    case 'yi1':
      return yi1();
    case 'yi4k':
      return yi4k();
    case 'mijia4k':
      return mijia4k();
    case 'sj8':
      return sj8();
    case 'generic':
      return generic();
    default:
      throw new Error(`unknown simulated model ${String(name)} (one of ${SIM_MODELS.join(', ')})`);
  }
}
