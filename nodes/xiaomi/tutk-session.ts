// One TUTK client session, from IOTC_Get_SessionID to IOTC_Session_Close (spec §1.4), with the
// frame loop of spec §2: poll on DATA_NOREADY, drop and wait for a keyframe on a lost or partial
// frame (growing the buffer when it was too small), end the session on anything else and say
// which class of error ended it. Runs in the camera's child process.
import type { FrameCodec, FrameFields } from '../core/frame';
import { FrameInfoProfile, ParsedFrameInfo, isAudioCodecId, isKeyframe, parseFrameInfo } from './frame-info';
import { IOTYPE } from './ioctrl';
import { PollPacer } from './poll-pacer';
import { RecvOutputs, SessionInfo, TutkLibrary } from './tutk-binding';
import {
  AV_ER_BUFPARA_MAXSIZE_INSUFF, AV_ER_DATA_NOREADY, ErrorClass, IOTC_ER_FAIL_CONNECT_SEARCH, IOTC_ER_INVALID_ARG,
  IOTC_ER_UNLICENSE, classifyError,
} from './tutk-errors';

export interface SessionConfig {
  uid: string;
  account: string;
  password: string;
  /** AV channel on the camera (0 for the main stream). */
  channel: number;
  /** Body of START and AUDIOSTART (spec §3.2). */
  startPayload: Buffer;
  audio: boolean;
  frameInfoProfile: FrameInfoProfile;
  /** After this, Connect_Stop_BySID aborts the connect. */
  connectTimeoutMs: number;
  /** avClientStart2's own timeout (seconds, spec §1.2). */
  startTimeoutSec: number;
  /** After this, avSendIOCtrlExit aborts a START or STOP the camera does not acknowledge. */
  ioctrlTimeoutMs: number;
  /** Frame buffer: starting size and the cap it may grow to on BUFPARA_MAXSIZE_INSUFF. */
  initialBufferBytes: number;
  maxFrameBytes: number;
}

export const DEFAULT_SESSION: Omit<SessionConfig, 'uid' | 'account' | 'password' | 'startPayload'> = {
  channel: 0,
  audio: true,
  frameInfoProfile: 'auto',
  connectTimeoutMs: 20_000,
  startTimeoutSec: 15,
  ioctrlTimeoutMs: 5_000,
  initialBufferBytes: 512 * 1024,
  maxFrameBytes: 4 * 1024 * 1024,
};

export type DropReason = 'incomplete' | 'lost' | 'tooSmall' | 'tooLarge' | 'waitingForKeyframe' | 'unknownCodec' | 'backpressure';

export interface SessionEvents {
  phase(phase: 'connecting' | 'starting' | 'online', detail?: { expectMs?: number }): void;
  session(info: SessionInfo): void;
  /** `payload` is a view of the session's reusable buffer: copy it before the next call returns. */
  frame(payload: Buffer, fields: FrameFields): void;
  /** The end of one turn of the frame loop: hand over the frames of this turn together. */
  flush?(): void;
  /** May the loop hand over another frame? False while the consumer is backed up. */
  ready(): boolean;
  drop(reason: DropReason, count?: number): void;
  firstFrame(info: { kind: 'video' | 'audio'; codecId: number; infoLen: number; infoHex: string; codec?: FrameCodec }): void;
  warning(message: string): void;
}

export type SessionEnd =
  | { stopped: true }
  | { stopped: false; code: number; call: string; errorClass: ErrorClass; streamed: boolean };

/** Frames handed over per event-loop turn, so that IPC and timers get their turn too. */
const FRAMES_PER_TURN = 8;
const SESSION_CHECK_MS = 5_000;
const IOCTRL_DRAIN_MS = 2_000;

export class TutkSession {
  private stopping = false;
  private sid = -1;
  private avIndex = -1;
  private phaseNow: 'idle' | 'connecting' | 'starting' | 'online' = 'idle';
  private wake: (() => void) | null = null;
  private buffer: Buffer;
  private readonly info = Buffer.alloc(64);
  private readonly audioBuf = Buffer.alloc(4096);
  private readonly audioInfo = Buffer.alloc(64);
  private readonly outs = new RecvOutputs();
  private readonly ioType = new Uint32Array(1);
  private readonly ioBuf = Buffer.alloc(1024);
  private waitForKey = true;
  private seenVideo = false;
  private seenAudio = false;
  private streamed = false;

  constructor(private readonly lib: TutkLibrary, private readonly config: SessionConfig, private readonly events: SessionEvents) {
    this.buffer = Buffer.alloc(config.initialBufferBytes);
  }

  /** Aborts whatever blocking call is in progress; run() resolves once the session is torn down. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.phaseNow === 'connecting' && this.sid >= 0) this.lib.connectStop(this.sid);
    if (this.phaseNow === 'starting' && this.sid >= 0) this.lib.clientExit(this.sid, this.config.channel);
    if (this.phaseNow === 'online' && this.avIndex >= 0) this.lib.sendIOCtrlExit(this.avIndex);
    this.wake?.();
  }

  async run(): Promise<SessionEnd> {
    const sid = this.lib.getSessionId();
    if (sid < 0) return this.end(sid, 'IOTC_Get_SessionID');
    this.sid = sid;
    const connected = await this.connect();
    if (connected !== null) return connected;
    const started = await this.startClient();
    if (started !== null) {
      this.lib.sessionClose(this.sid);
      return started;
    }
    let end: SessionEnd;
    try {
      end = await this.openStreams();
      if (end.stopped) end = await this.stream();
    } catch (err) {
      this.events.warning(`frame loop failed: ${(err as Error).message}`);
      end = this.end(-20000, 'frame loop');
    }
    await this.teardown(end);
    return end;
  }

  private end(code: number, call: string): SessionEnd {
    if (this.stopping) return { stopped: true };
    return { stopped: false, code, call, errorClass: classifyError(code), streamed: this.streamed };
  }

  /** IOTC_Connect_ByUID_Parallel under a watchdog; null when connected. */
  private async connect(): Promise<SessionEnd | null> {
    this.phaseNow = 'connecting';
    this.events.phase('connecting', { expectMs: this.config.connectTimeoutMs });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.lib.connectStop(this.sid);
    }, this.config.connectTimeoutMs);
    let ret: number;
    try {
      ret = await this.lib.connect(this.config.uid, this.sid);
    } finally {
      clearTimeout(timer);
    }
    if (ret >= 0) {
      if (this.stopping) {
        this.lib.sessionClose(this.sid);
        return { stopped: true };
      }
      return null;
    }
    // The library frees the SID after a failed connect, except when it refused the arguments
    // at once (observed with a malformed UID): then it is ours to close (spec §0.1).
    if (ret === IOTC_ER_UNLICENSE || ret === IOTC_ER_INVALID_ARG) this.lib.sessionClose(this.sid);
    if (timedOut && ret === IOTC_ER_FAIL_CONNECT_SEARCH) return this.end(-13, 'IOTC_Connect_ByUID_Parallel');
    return this.end(ret, 'IOTC_Connect_ByUID_Parallel');
  }

  /** avClientStart2; null when the AV channel is open. */
  private async startClient(): Promise<SessionEnd | null> {
    if (this.stopping) return { stopped: true };
    const info = this.lib.sessionCheck(this.sid);
    if (typeof info !== 'number') this.events.session(info);
    this.phaseNow = 'starting';
    this.events.phase('starting', { expectMs: this.config.startTimeoutSec * 1000 + 2 * this.config.ioctrlTimeoutMs });
    const { config } = this;
    const result = await this.lib.clientStart2(this.sid, config.account, config.password, config.startTimeoutSec, config.channel);
    if (result.avIndex < 0) return this.end(result.avIndex, 'avClientStart2');
    this.avIndex = result.avIndex;
    if (this.stopping) {
      this.lib.clientStop(this.avIndex);
      return { stopped: true };
    }
    return null;
  }

  /** A bounded IOCtrl send: the library blocks until the camera acknowledges. */
  private async sendIOCtrl(type: number, body: Buffer): Promise<number> {
    const timer = setTimeout(() => this.lib.sendIOCtrlExit(this.avIndex), this.config.ioctrlTimeoutMs);
    try {
      return await this.lib.sendIOCtrl(this.avIndex, type, body);
    } finally {
      clearTimeout(timer);
    }
  }

  /** START (then AUDIOSTART), serialised: the library refuses a second send on a channel in flight. */
  private async openStreams(): Promise<SessionEnd> {
    if (this.stopping) return { stopped: true };
    this.phaseNow = 'online';
    const ret = await this.sendIOCtrl(IOTYPE.IPCAM_START, this.config.startPayload);
    if (ret < 0) return this.end(ret, 'avSendIOCtrl(IPCAM_START)');
    if (this.config.audio && !this.stopping) {
      const audioRet = await this.sendIOCtrl(IOTYPE.AUDIOSTART, this.config.startPayload);
      if (audioRet < 0) this.events.warning(`AUDIOSTART was refused: ${audioRet}`);
    }
    this.events.phase('online');
    return { stopped: true };
  }

  /** The frame loop, paced by the stream's own frame rate; resolves with why it ended. */
  private stream(): Promise<SessionEnd> {
    return new Promise((resolve) => {
      const pacer = new PollPacer();
      let timer: NodeJS.Timeout | null = null;
      let immediate: NodeJS.Immediate | null = null;
      let lastCheck = Date.now();
      let lastDrain = Date.now();
      const finish = (end: SessionEnd) => {
        if (timer) clearTimeout(timer);
        if (immediate) clearImmediate(immediate);
        this.wake = null;
        resolve(end);
      };
      this.wake = () => finish({ stopped: true });
      const turn = () => {
        timer = null;
        immediate = null;
        if (this.stopping) return finish({ stopped: true });
        const now = Date.now();
        if (now - lastCheck >= SESSION_CHECK_MS) {
          lastCheck = now;
          const info = this.lib.sessionCheck(this.sid);
          if (typeof info === 'number') return finish(this.end(info, 'IOTC_Session_Check'));
          this.events.session(info);
        }
        if (now - lastDrain >= IOCTRL_DRAIN_MS) {
          lastDrain = now;
          this.drainIOCtrl();
        }
        const video = this.pollVideo();
        // Audio waits in the library's queue and is read on the video's beat (samples even wait
        // for 10–25 queued chunks, §1.2); the pacer's ceiling bounds how long it waits.
        const audio = typeof video === 'number' && this.config.audio ? this.pollAudio() : 0;
        this.events.flush?.();
        if (typeof video !== 'number') return finish(video);
        if (typeof audio !== 'number') return finish(audio);
        const sleepMs = pacer.next(performance.now(), { video, backlog: video >= FRAMES_PER_TURN || audio >= FRAMES_PER_TURN });
        if (sleepMs === 0) immediate = setImmediate(turn);
        else timer = setTimeout(turn, sleepMs);
      };
      turn();
    });
  }

  /** Reads up to FRAMES_PER_TURN video frames; returns how many, or why the session ended. */
  private pollVideo(): number | SessionEnd {
    let got = 0;
    for (let i = 0; i < FRAMES_PER_TURN; i++) {
      const ret = this.lib.recvFrame(this.avIndex, this.buffer, this.info, this.outs);
      if (ret >= 0) {
        got++;
        this.onVideo(this.buffer.subarray(0, Math.min(ret, this.buffer.length)));
        continue;
      }
      if (ret === AV_ER_DATA_NOREADY) return got;
      const errorClass = classifyError(ret);
      if (errorClass !== 'drop') return this.end(ret, 'avRecvFrameData2');
      got++;
      this.onDropped(ret);
    }
    return got;
  }

  private onDropped(code: number): void {
    this.waitForKey = true;
    if (code !== AV_ER_BUFPARA_MAXSIZE_INSUFF) {
      this.events.drop(code === -20013 ? 'incomplete' : 'lost');
      return;
    }
    const expected = this.outs.expected[0];
    if (expected > this.config.maxFrameBytes) {
      this.events.drop('tooLarge');
      this.events.warning(`a frame of ${expected} bytes exceeds the ${this.config.maxFrameBytes}-byte cap and was dropped`);
      return;
    }
    // Grow to what the library said it needs (with headroom), never past the cap.
    const size = Math.min(this.config.maxFrameBytes, Math.max(expected, this.buffer.length) + 64 * 1024);
    this.buffer = Buffer.alloc(size);
    this.events.drop('tooSmall');
  }

  private onVideo(payload: Buffer): void {
    const info = parseFrameInfo(this.info, this.outs.infoLen[0], this.config.frameInfoProfile);
    const codec = videoCodec(info, payload);
    if (!this.seenVideo) {
      this.seenVideo = true;
      this.events.firstFrame({ kind: 'video', codecId: info.codecId, infoLen: this.outs.infoLen[0], infoHex: this.info.subarray(0, Math.max(0, Math.min(64, this.outs.infoLen[0]))).toString('hex'), codec });
    }
    const keyframe = isKeyframe(payload, codec, info.flags);
    if (this.waitForKey && !keyframe) {
      this.events.drop('waitingForKeyframe');
      return;
    }
    if (!this.events.ready()) {
      this.waitForKey = true;
      this.events.drop('backpressure');
      return;
    }
    this.waitForKey = false;
    this.streamed = true;
    const fields: FrameFields = { codec, keyframe };
    if (info.width !== undefined && info.height !== undefined) {
      fields.width = info.width;
      fields.height = info.height;
    }
    this.events.frame(payload, fields);
  }

  /** Reads the queued audio frames; returns how many, or why the session ended. */
  private pollAudio(): number | SessionEnd {
    let got = 0;
    for (let i = 0; i < FRAMES_PER_TURN; i++) {
      const ret = this.lib.recvAudio(this.avIndex, this.audioBuf, this.audioInfo, this.outs);
      if (ret === AV_ER_DATA_NOREADY) return got;
      if (ret < 0) {
        const errorClass = classifyError(ret);
        if (errorClass === 'drop' || errorClass === 'poll') return got;
        return this.end(ret, 'avRecvAudioData');
      }
      got++;
      // avRecvAudioData reports no info length: take the TUTK 16-byte block, the one audio uses.
      const info = parseFrameInfo(this.audioInfo, 16, 'tutk');
      if (!this.seenAudio) {
        this.seenAudio = true;
        this.events.firstFrame({ kind: 'audio', codecId: info.codecId, infoLen: 16, infoHex: this.audioInfo.subarray(0, 16).toString('hex'), codec: info.codec });
      }
      if (!info.codec || !isAudioCodecId(info.codecId)) {
        this.events.drop('unknownCodec');
        continue;
      }
      if (!this.events.ready()) {
        this.events.drop('backpressure');
        continue;
      }
      const fields: FrameFields = { codec: info.codec, keyframe: true };
      if (info.sampleRate) fields.sampleRate = info.sampleRate;
      if (info.channels) fields.channels = info.channels;
      this.events.frame(this.audioBuf.subarray(0, Math.min(ret, this.audioBuf.length)), fields);
    }
    return got;
  }

  private drainIOCtrl(): void {
    for (let i = 0; i < 4; i++) {
      const ret = this.lib.recvIOCtrl(this.avIndex, this.ioType, this.ioBuf, 0);
      if (ret < 0) return;
      this.events.warning(`IOCtrl 0x${this.ioType[0].toString(16)} from the camera (${ret} bytes)`);
    }
  }

  /**
   * STOP / AUDIOSTOP (best effort, bounded; skipped when the camera is gone), then avClientExit,
   * avClientStop and IOTC_Session_Close: the TUTK sample's order (spec §1.4).
   */
  private async teardown(end: SessionEnd): Promise<void> {
    const sessionLost = !end.stopped && end.errorClass === 'reconnect';
    if (!sessionLost) {
      this.stopping = false; // let the bounded sends run; stop() may still abort them
      if (this.config.audio) await this.sendIOCtrl(IOTYPE.AUDIOSTOP, this.config.startPayload).catch(() => -1);
      await this.sendIOCtrl(IOTYPE.IPCAM_STOP, this.config.startPayload).catch(() => -1);
      this.stopping = true;
    }
    this.lib.clientExit(this.sid, this.config.channel);
    this.lib.clientStop(this.avIndex);
    this.lib.sessionClose(this.sid);
    this.avIndex = -1;
    this.sid = -1;
    this.phaseNow = 'idle';
  }
}

/** The codec the frame-info names, else a guess from the first NAL header (cameras with odd ids). */
function videoCodec(info: ParsedFrameInfo, payload: Buffer): FrameCodec {
  if (info.codec === 'h264' || info.codec === 'h265' || info.codec === 'jpeg') return info.codec;
  if (payload.length > 1 && payload[0] === 0xff && payload[1] === 0xd8) return 'jpeg';
  const at = payload.length > 5 && payload[2] === 0 && payload[3] === 1 ? 4 : 3;
  if (payload.length > at + 1) {
    const h265Type = (payload[at] >> 1) & 0x3f;
    if (payload[at + 1] === 1 && (payload[at] & 0x81) === 0 && (h265Type >= 32 && h265Type <= 34)) return 'h265';
  }
  return 'h264';
}
