// One Ambarella camera as the nodes see it: the control session, the data port, the model profile
// (configured, or detected once from the 257 reply, msg 11 and the version settings, after which
// the session uses that model's 257 keys and heartbeat field), and one event stream carrying each
// notification raw and with its normalised meaning.

import { EventEmitter } from 'node:events';
import { AmbaReply, AmbaRequest, AmbaSession, AmbaSessionOptions, RequestOptions, StateInfo } from './amba-session';
import { DataPort } from './data-port';
import { MsgId } from './msg-ids';
import { DetectionClues, ModelProfile, NormalisedEvent, PROFILES, ProfileName, batteryFromReply, detectProfile, normaliseEvent } from './model-profiles';
import { AmbaError } from './rval';

export interface AmbaClientOptions extends Omit<AmbaSessionOptions, 'startSessionExtras' | 'heartbeatField'> {
  dataPort?: number;
  model?: ProfileName | 'auto';
  maxDownloadBytes?: number;
}

/** What the event output carries: the notification as the camera sent it, and its meaning. */
export interface CameraEvent {
  raw: Record<string, unknown> | null;
  normalised: NormalisedEvent | null;
}

/**
 * Events: 'event' (CameraEvent), 'state' (StateInfo), 'profile' (ModelProfile),
 * 'diagnostic' (string).
 */
export class AmbaClient extends EventEmitter {
  readonly host: string;
  readonly session: AmbaSession;
  readonly data: DataPort;
  private profileValue: ModelProfile;
  private detection: Promise<ModelProfile> | null = null;
  private startReply: Record<string, unknown> | undefined;
  private readonly configured: ProfileName | 'auto';

  constructor(options: AmbaClientOptions) {
    super();
    this.host = options.host;
    this.configured = options.model ?? 'auto';
    this.profileValue = PROFILES[this.configured === 'auto' ? 'generic' : this.configured];
    const fixed = this.configured === 'auto' ? undefined : PROFILES[this.configured];
    this.session = new AmbaSession({ ...options, startSessionExtras: fixed?.startSessionExtras, heartbeatField: fixed?.heartbeatField });
    this.data = new DataPort(this.session, { host: options.host, port: options.dataPort, maxBytes: options.maxDownloadBytes });
    this.session.on('notification', (raw: Record<string, unknown>) => this.emitEvent(raw, normaliseEvent(raw, this.profileValue)));
    this.session.on('keepalive', (reply: AmbaReply) => {
      if (reply.rval === 0) this.emitEvent(null, { event: 'battery', ...batteryFromReply(reply) });
    });
    this.session.on('sessionLost', (info: { reason: string }) => this.emitEvent(null, { event: 'sessionLost', reason: info.reason }));
    this.session.on('started', (reply: Record<string, unknown>) => this.onStarted(reply));
    this.session.on('state', (st: StateInfo) => this.emit('state', st));
    this.session.on('diagnostic', (d: string) => this.emit('diagnostic', d));
    this.session.on('stray', (obj: unknown) => this.emit('diagnostic', `unmatched reply from the camera: ${JSON.stringify(obj).slice(0, 200)}`));
  }

  get profile(): ModelProfile {
    return this.profileValue;
  }

  get state(): StateInfo {
    return this.session.state;
  }

  start(): void {
    this.session.start();
  }

  async stop(): Promise<void> {
    this.data.close();
    await this.session.stop();
  }

  /** Sends a request; rejects with a readable AmbaError when the camera answers rval ≠ 0. */
  async call(req: AmbaRequest, what = `msg_id ${req.msg_id}`, opts: RequestOptions = {}): Promise<AmbaReply> {
    const reply = await this.session.request(req, opts);
    if (reply.rval !== 0) throw AmbaError.fromRval(reply.rval, req.msg_id, what);
    return reply;
  }

  /** The model profile, detected on first use when configured as auto. */
  ensureProfile(): Promise<ModelProfile> {
    if (this.configured !== 'auto') return Promise.resolve(this.profileValue);
    if (!this.detection) {
      this.detection = this.detect().then(
        (p) => p,
        (err: Error) => {
          this.detection = null; // try again next time: the camera may have been offline
          throw err;
        },
      );
    }
    return this.detection;
  }

  /** Resolves with the first normalised event that `match` accepts, or rejects after `timeoutMs`. */
  waitForEvent(match: (e: NormalisedEvent) => boolean, timeoutMs: number, what: string): { promise: Promise<CameraEvent>; cancel: () => void } {
    let cancel = (): void => undefined;
    const promise = new Promise<CameraEvent>((resolve, reject) => {
      const listener = (e: CameraEvent): void => {
        if (!e.normalised || !match(e.normalised)) return;
        done();
        resolve(e);
      };
      const timer = setTimeout(() => {
        done();
        reject(new AmbaError(`no ${what} event within ${timeoutMs} ms`, { code: 'EVENT_TIMEOUT' }));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.off('event', listener);
      };
      cancel = done;
      this.on('event', listener);
    });
    return { promise, cancel };
  }

  private async detect(): Promise<ModelProfile> {
    const clues: DetectionClues = {};
    const info = await this.session.request({ msg_id: MsgId.GET_DEVICEINFO });
    clues.startReply = this.startReply;
    if (info.rval === 0) clues.deviceInfo = info;
    if (detectProfile(clues) === 'generic') {
      // Yi 1 has no msg 11: its version settings name it.
      const hw = await this.session.request({ msg_id: MsgId.GET_SETTING, type: 'hw_version' });
      if (hw.rval === 0) clues.hwVersion = String(hw.param);
      const sw = await this.session.request({ msg_id: MsgId.GET_SETTING, type: 'sw_version' });
      if (sw.rval === 0) clues.swVersion = String(sw.param);
    }
    this.adopt(PROFILES[detectProfile(clues)]);
    return this.profileValue;
  }

  /** A Yi 4K names itself in the 257 reply: its session keys are taken up without waiting for a command. */
  private onStarted(reply: Record<string, unknown>): void {
    this.startReply = reply;
    if (this.configured !== 'auto') return;
    const named = detectProfile({ startReply: reply });
    if (named !== 'generic') this.adopt(PROFILES[named]);
  }

  /** Uses a detected profile, with its session keys (the session starts again when they differ). */
  private adopt(profile: ModelProfile): void {
    const changed = profile !== this.profileValue;
    this.profileValue = profile;
    this.session.useSessionKeys(profile.startSessionExtras, profile.heartbeatField);
    if (changed) this.emit('profile', profile);
  }

  private emitEvent(raw: Record<string, unknown> | null, normalised: NormalisedEvent | null): void {
    this.emit('event', { raw, normalised } satisfies CameraEvent);
  }
}
