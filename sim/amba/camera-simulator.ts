// A fake Ambarella camera on loopback: the 7878 control server and the 8787 data server, playing
// the captured texts of a real model (sim-models.ts) with their write boundaries and delays, an
// SD card with files, the single-session takeover, and fault injection. Used by the tests and by
// the `npm start` demo (startSimulatedCamera).
//
// Request side, as the reference server does it (spec §1.4): requests are put together by brace
// counting that ignores strings, and one object per received chunk is handled (the model decides
// whether the first or the last), so a client that pipelines loses requests here as it would on
// the camera.

import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { cameraClock } from '../../nodes/amba/camera-clock';
import { SimSdCard, formatName, md5 } from './sim-sd-card';
import { SimModel, SimModelName, simModel } from './sim-models';
import { TemplateVars, renderTemplate } from './sim-template';
import type { SimCase, SimHandler, SimStep } from './sim-transcript-types';
import { closeServer, listenTcp } from '../../nodes/core/listening';

export interface SimFaults {
  /** Cut every write into pieces of 1 to 7 bytes, sent a moment apart. */
  splitWrites?: boolean;
  /** Write all steps of an answer at once, with no delay between them. */
  mergeWrites?: boolean;
  /** A NUL byte after every reply (the reference server's strlen+1). */
  trailingNul?: boolean;
  /** Turn off the NULs the model's profile adds. */
  noNul?: boolean;
  /** Replies to these msg_ids lose their closing brace. */
  missingBrace?: number[];
  /** Added to the first step of every answer. */
  slowReplyMs?: number;
  /** Requests with these msg_ids are never answered. */
  silentMsgIds?: number[];
  /** The control connection is closed when a request with one of these msg_ids arrives (once each). */
  dropOnMsgId?: number[];
  /** The data connection is closed after this many bytes of a transfer (once). */
  dropDataAfterBytes?: number;
}

export interface SimulatedCameraOptions {
  model?: SimModelName;
  host?: string;
  /** 0 (default) picks a free port. */
  controlPort?: number;
  dataPort?: number;
  /** Multiplies every captured delay; 1 (default) keeps the captured timing. */
  timeScale?: number;
  faults?: SimFaults;
  /** Pick a captured variant of an answer, e.g. 'ack_first' for the Yi 1 photo. */
  variant?: string;
  /** Bytes per second on the data port, both ways; 0 (default) is as fast as the socket goes. */
  dataRate?: number;
  videoBytes?: number;
}

interface ControlConn {
  id: number;
  socket: net.Socket;
  pending: Buffer;
  chain: Promise<void>;
  /** Writes in progress: a reply cut at the MSS must not have another write between its pieces. */
  writing: Promise<void>;
  closed: boolean;
}

interface Transfer {
  kind: 'get' | 'put' | 'thumb';
  path: string;
  holder: ControlConn;
  sent: number;
  cancelled: boolean;
  done: Promise<void>;
  onData?: (chunk: Buffer) => void;
  stop?: () => void;
}

/** One received request, as tests inspect them. */
export interface SimRequestLog {
  conn: number;
  /** Objects found in one received chunk: more than one means the client pipelined. */
  objects: number;
  text: string;
}

const CHUNK = 64 * 1024;

/**
 * Events: 'request' (SimRequestLog), 'holderQuery' (conn id), 'session' ({conn, token}),
 * 'error' is never emitted: socket errors are absorbed.
 */
export class SimulatedCamera extends EventEmitter {
  readonly model: SimModel;
  readonly host: string;
  readonly sd: SimSdCard;
  faults: SimFaults;
  readonly state: Record<string, unknown>;
  readonly settings = new Map<string, string>();
  readonly requests: SimRequestLog[] = [];
  private readonly opts: SimulatedCameraOptions;
  private readonly timeScale: number;
  private control: net.Server | null = null;
  private data: net.Server | null = null;
  private readonly conns = new Set<ControlConn>();
  private readonly dataConns = new Set<net.Socket>();
  private latestData: net.Socket | null = null;
  private dataWaiters: ((s: net.Socket | null) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private holder: ControlConn | 'stale' | null;
  private token = 0;
  private nextToken: number;
  private sessionChain: Promise<void> = Promise.resolve();
  private holderAnswer: ((rval: number | null) => void) | null = null;
  private transfer: Transfer | null = null;
  private counter: number;
  private pwd: string;
  private connIds = 0;
  private busyUntil = 0;
  private stopped = false;
  /** What the client told the data server with 261, and in which session. */
  private clientInfo: { token: number; address: string } | null = null;

  constructor(options: SimulatedCameraOptions = {}) {
    super();
    this.opts = options;
    this.model = simModel(options.model ?? 'yi1');
    this.host = options.host ?? '127.0.0.1';
    this.timeScale = options.timeScale ?? 1;
    this.faults = { ...(options.faults ?? {}) };
    this.state = { ...this.model.initial_state };
    for (const [name, value] of this.model.settings.items) if (!this.settings.has(name)) this.settings.set(name, value);
    this.holder = this.model.stale_session_at_start ? 'stale' : null;
    this.nextToken = this.model.first_token;
    this.counter = this.model.name_counter ?? 2;
    this.pwd = this.model.sd_root;
    this.sd = new SimSdCard({
      root: this.model.sd_root,
      mediaDir: this.model.media_dir,
      aliases: this.model.path_aliases,
      extraDirs: this.model.extra_dirs,
      videoBytes: options.videoBytes,
    });
    this.seedCard();
  }

  get controlPort(): number {
    return (this.control?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  get dataPort(): number {
    return (this.data?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  get rtspUrl(): string {
    return `rtsp://${this.host}/live`;
  }

  /** Open control and data connections. */
  get connectionCount(): number {
    return this.conns.size + this.dataConns.size;
  }

  /** The running data transfer, for tests that act in the middle of one. */
  get transferProgress(): { kind: 'get' | 'put' | 'thumb'; path: string; sent: number } | null {
    const t = this.transfer;
    return t ? { kind: t.kind, path: t.path, sent: t.sent } : null;
  }

  /** The client address given with 261 in the current session. */
  get clientAddress(): string | undefined {
    return this.clientInfo && this.clientInfo.token === this.currentToken ? this.clientInfo.address : undefined;
  }

  /** The token of the current session, 0 when nobody holds it. */
  get currentToken(): number {
    return this.holder && this.holder !== 'stale' ? this.token : 0;
  }

  async start(): Promise<void> {
    this.control = net.createServer((s) => this.onControl(s));
    this.data = net.createServer((s) => this.onData(s));
    await listenTcp(this.control, this.opts.controlPort ?? 0, this.host);
    await listenTcp(this.data, this.opts.dataPort ?? 0, this.host);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.conns) c.socket.destroy();
    for (const s of this.dataConns) s.destroy();
    for (const w of this.dataWaiters.splice(0)) w(null);
    this.holderAnswer?.(null);
    await Promise.all([closeServer(this.control), closeServer(this.data)]);
  }

  /** A camera-side event (a button press, the card removed): sent to the session holder. */
  notify(type: string, param?: string | number): void {
    if (!this.holder || this.holder === 'stale') return;
    const text = param === undefined ? `{"msg_id":7,"type":${JSON.stringify(type)}}` : `{"msg_id":7,"type":${JSON.stringify(type)},"param":${JSON.stringify(param)}}`;
    void this.write(this.holder, [text], undefined, -1);
  }

  /** Ends the session without closing the socket (Wi-Fi restart, USB or format mode): the
   *  holder's next request gets -4. */
  endSession(): void {
    this.cancelTransfer();
    this.holder = null;
  }

  /** Closes every control connection, as a camera whose Wi-Fi drops does. */
  dropConnections(): void {
    for (const c of this.conns) c.socket.destroy();
  }

  // --- control connections ------------------------------------------------------------------

  private onControl(socket: net.Socket): void {
    const conn: ControlConn = { id: ++this.connIds, socket, pending: Buffer.alloc(0), chain: Promise.resolve(), writing: Promise.resolve(), closed: false };
    this.conns.add(conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.absorb(() => this.onRequestBytes(conn, chunk)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.closed = true;
      this.conns.delete(conn);
      // The camera does not notice a dead client: its session lingers until a 1793 goes unanswered.
      if (this.holder === conn) this.holder = 'stale';
      if (this.transfer?.holder === conn) this.cancelTransfer();
    });
  }

  /** Brace counting without regard to strings, like the reference server's composer. */
  private onRequestBytes(conn: ControlConn, chunk: Buffer): void {
    const text = Buffer.concat([conn.pending, chunk]);
    const objects: string[] = [];
    let depth = 0;
    let start = -1;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === 0x7b) {
        if (depth === 0) start = i;
        depth++;
      } else if (text[i] === 0x7d && depth > 0) {
        depth--;
        if (depth === 0) objects.push(text.subarray(start, i + 1).toString('utf8'));
      }
    }
    conn.pending = depth > 0 ? Buffer.from(text.subarray(start)) : Buffer.alloc(0);
    if (conn.pending.length > 1024) conn.pending = Buffer.alloc(0); // the command buffer is 1 KiB
    if (objects.length === 0) {
      if (depth === 0 && text.toString('latin1').trim().length > 0) this.enqueue(conn, () => this.replyError(conn, 'not_json', 0));
      return;
    }
    const kept = this.model.pipelined_chunk === 'last' ? objects[objects.length - 1] : objects[0];
    for (const o of objects) this.emitLog({ conn: conn.id, objects: objects.length, text: o });
    if (/"msg_id"\s*:\s*1793\b/.test(kept) && /"rval"/.test(kept)) {
      // The holder's verdict is taken by the session task at once, not behind its own requests.
      void this.handle(conn, kept);
      return;
    }
    this.enqueue(conn, () => this.handle(conn, kept));
  }

  private emitLog(entry: SimRequestLog): void {
    this.requests.push(entry);
    if (this.requests.length > 1000) this.requests.shift();
    this.emit('request', entry);
  }

  private enqueue(conn: ControlConn, job: () => Promise<void>): void {
    conn.chain = conn.chain.then(job).catch(() => undefined);
  }

  private async handle(conn: ControlConn, text: string): Promise<void> {
    if (conn.closed || this.stopped) return;
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.replyError(conn, 'not_json', 0);
    }
    if (req === null || typeof req !== 'object' || Array.isArray(req)) return this.replyError(conn, 'not_json', 0);
    if (Object.keys(req).length === 0) return this.replyError(conn, 'empty_object', 0);
    const msgId = req.msg_id;
    if (typeof msgId !== 'number' || !Number.isInteger(msgId)) return this.replyError(conn, 'not_command', 0);
    if (msgId === 1793 && 'rval' in req) {
      this.holderAnswer?.(Number(req.rval));
      return;
    }
    if (this.faults.dropOnMsgId?.includes(msgId)) {
      this.faults.dropOnMsgId = this.faults.dropOnMsgId.filter((id) => id !== msgId);
      conn.socket.destroy();
      return;
    }
    if (this.faults.silentMsgIds?.includes(msgId)) return;
    if (msgId === 257) return this.startSession(conn);
    if (this.holder !== conn || req.token !== this.token) return this.replyError(conn, 'bad_token', msgId);
    const handler = this.findHandler(req);
    if (!handler) return this.replyError(conn, 'unknown_msg_id', msgId);
    return this.runHandler(conn, req, handler);
  }

  // --- session --------------------------------------------------------------------------------

  private startSession(conn: ControlConn): Promise<void> {
    const run = async (): Promise<void> => {
      if (conn.closed) return;
      const current = this.holder;
      if (current && current !== conn) {
        // A stale holder (a client that vanished) never answers: the camera waits all the same.
        const answer = current === 'stale' || current.closed ? await this.sleep(this.model.session.holder_wait_ms).then(() => null) : await this.askHolder(current);
        if (conn.closed) return;
        if (answer === 0) {
          await this.write(conn, [this.model.session.refused.text], undefined, 257);
          return;
        }
        this.cancelTransfer();
      }
      await this.grant(conn);
    };
    const done = this.sessionChain.then(run);
    this.sessionChain = done.catch(() => undefined);
    return done;
  }

  /** Sends 1793 to the holder and waits for its verdict: 0 keeps, anything else or silence yields. */
  private askHolder(holder: ControlConn): Promise<number | null> {
    this.emit('holderQuery', holder.id);
    void this.write(holder, [this.model.session.holder_query.text], undefined, -1);
    return new Promise((resolve) => {
      const timer = this.later(() => finish(null), this.model.session.holder_wait_ms);
      const finish = (rval: number | null): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.holderAnswer = null;
        resolve(rval);
      };
      this.holderAnswer = finish;
    });
  }

  private async grant(conn: ControlConn): Promise<void> {
    this.token = this.nextToken++;
    this.holder = conn;
    this.emit('session', { conn: conn.id, token: this.token });
    const steps = this.model.session.reply.steps;
    const setters = this.model.session.reply.set;
    if (setters) this.applySet(setters, {});
    await this.playSteps(conn, steps, this.vars(conn, {}), 257, 0);
  }

  // --- handlers -------------------------------------------------------------------------------

  private findHandler(req: Record<string, unknown>): SimHandler | undefined {
    const h = this.model.handlers;
    const id = String(req.msg_id);
    for (const key of [`${id}:${String(req.type)}`, `${id}:${String(req.param)}`, id]) if (h[key]) return h[key];
    return undefined;
  }

  private async runHandler(conn: ControlConn, req: Record<string, unknown>, handler: SimHandler): Promise<void> {
    const msgId = req.msg_id as number;
    if (handler.by_param) {
      const sub = handler.by_param[String(req.param)] ?? handler.fallback;
      return sub ? this.runHandler(conn, req, sub) : this.replyError(conn, 'unknown_type', msgId);
    }
    const extra = this.busyDelay() + (this.faults.slowReplyMs ?? 0);
    if (handler.action && handler.texts) return this.runAction(conn, req, handler, extra);
    const chosen = this.chooseCase(handler);
    const vars: TemplateVars = {};
    if (handler.action) {
      const problem = this.prepareAction(handler.action, req, vars);
      if (problem) return this.replyError(conn, problem, msgId);
    }
    for (const effect of chosen.effects ?? []) this.applyEffect(effect, vars);
    if (chosen.set) this.applySet(chosen.set, req);
    // Object.assign rather than a spread: see withKeys in amba-session.ts (Node 20 promotes spread copies).
    await this.playSteps(conn, chosen.steps, Object.assign(this.vars(conn, req), vars), msgId, extra);
  }

  private chooseCase(handler: SimHandler): SimCase {
    if (this.opts.variant && handler.variants?.[this.opts.variant]) return handler.variants[this.opts.variant];
    if (handler.cases) {
      const match = handler.cases.find((c) => !c.when || this.matches(c.when)) ?? handler.cases[handler.cases.length - 1];
      return match;
    }
    return { steps: handler.steps ?? [], set: handler.set, effects: handler.effects };
  }

  private matches(when: Record<string, unknown>): boolean {
    return Object.entries(when).every(([k, v]) => (Array.isArray(v) ? v.includes(this.state[k]) : this.state[k] === v));
  }

  private applySet(set: Record<string, unknown>, req: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(set)) {
      if (v === '${now}') this.state[k] = Date.now();
      else if (v === '${param}') this.state[k] = req.param;
      else this.state[k] = v;
      if (k === 'busy_ms') this.busyUntil = Date.now() + Number(v) * this.timeScale;
      if (k === 'app_status' && this.settings.has('app_status')) this.settings.set('app_status', String(v));
    }
  }

  private busyDelay(): number {
    const left = this.busyUntil - Date.now();
    if (left <= 0 || !this.model.busy_reply_delay_max_ms) return 0;
    return Math.min(left, this.model.busy_reply_delay_max_ms * this.timeScale) / this.timeScale;
  }

  private applyEffect(effect: string, vars: TemplateVars): void {
    const date = new Date();
    if (effect === 'new_photo') {
      const name = formatName(this.model.photo_name ?? 'IMG_{n:04d}.JPG', this.counter, date);
      vars.photo_name = name;
      vars.photo_path = this.sd.addPhoto(name, this.counter++, undefined, cameraClock(date));
    } else if (effect === 'new_video') {
      const name = formatName(this.model.video_name ?? 'MOV_{n:04d}.MP4', this.counter, date);
      vars.video_name = name;
      vars.video_path = this.sd.addVideo(name, this.counter++, cameraClock(date));
    } else if (effect === 'format') {
      this.cancelTransfer();
      this.sd.format(this.model.extra_dirs ?? []);
      this.pwd = this.model.sd_root;
    }
  }

  /** Actions that only compute values for the captured steps; returns an error name when refused. */
  private prepareAction(action: string, req: Record<string, unknown>, vars: TemplateVars): string | null {
    switch (action) {
      case 'get_setting': {
        const name = String(req.type);
        const live = this.model.settings.live_keys?.[name];
        const value = live !== undefined ? this.state[live] : this.settings.get(name);
        if (value === undefined) return 'unknown_type';
        vars.type = name;
        vars.value = String(value);
        return null;
      }
      case 'set_setting':
        return this.setSetting(req);
      case 'settings_all':
        vars.settings_all = this.renderSettings(req);
        return null;
      case 'settings_subset':
        vars.settings_subset = this.renderSubset();
        return null;
      case 'ls':
        return this.listing(req, vars);
      case 'cd': {
        const dir = this.sd.resolve(String(req.param ?? ''), this.pwd);
        if (!this.sd.isDir(dir)) return 'not_found';
        this.pwd = dir;
        vars.pwd = dir;
        return null;
      }
      case 'pwd':
        vars.pwd = this.pwd;
        return null;
      case 'delete': {
        const p = this.sd.resolve(String(req.param ?? ''), this.pwd);
        return this.sd.delete(p) ? null : 'not_found';
      }
      case 'client_info':
        return this.setClientInfo(req);
      case 'session_stop':
        this.cancelTransfer();
        this.later(() => {
          this.holder = null;
        }, 0);
        return null;
      default:
        return null;
    }
  }

  /** 261: `type` "TCP" with the client's IPv4 address (or "RFCOMM" with a Bluetooth MAC). */
  private setClientInfo(req: Record<string, unknown>): string | null {
    const address = typeof req.param === 'string' ? req.param : '';
    const valid = req.type === 'TCP' ? net.isIPv4(address) : req.type === 'RFCOMM' && /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/.test(address);
    if (!valid) return 'bad_value';
    this.clientInfo = { token: this.token, address };
    return null;
  }

  /** A data transfer before 261 on a camera whose data server needs it; -14 like other
   *  operations out of order (the SDK's exact code for this case is not known). */
  private needsClientInfo(): boolean {
    return this.model.clientInfoRequired && this.clientAddress === undefined;
  }

  private setSetting(req: Record<string, unknown>): string | null {
    const name = String(req.type);
    const value = String(req.param);
    if (this.model.commandSettings.includes(name)) {
      if (name === 'camera_mode') this.state.camera_mode = value;
      if (this.settings.has(name)) this.settings.set(name, value);
      return null;
    }
    if (this.model.readonly.includes(name)) return 'bad_value';
    const options = this.optionsOf(name);
    if (!this.settings.has(name) && !options) return 'unknown_type';
    if (options && !options.includes(value)) return 'bad_value';
    this.settings.set(name, value);
    return null;
  }

  /** Option list of a setting; Yi 1's video_resolution depends on video_standard (spec §9.1). */
  optionsOf(name: string): string[] | undefined {
    const standard = this.settings.get('video_standard');
    return this.model.options[`${name}@${standard}`] ?? this.model.options[name];
  }

  private renderSettings(req: Record<string, unknown>): string {
    const style = this.model.settings.style;
    const only = typeof req.param === 'string' ? req.param : undefined;
    if (only !== undefined && style === 'yi_spaced') {
      // Old Yi 1 firmware: msg 3 with a name answers its permission and options (spec T6).
      const options = this.optionsOf(only);
      const value = this.model.readonly.includes(only) || !options ? 'readonly' : `settable:${options.join('#')}`;
      return `{"rval":0,"msg_id":3,"param":[{${yiString(only)}:${yiString(value)}}]}`;
    }
    const entries = this.model.settings.items.map(([name]) => [name, this.currentValue(name)] as const);
    if (style === 'yi_spaced') return `{ "rval": 0, "msg_id": 3, "param": [ ${entries.map(([k, v]) => `{ ${yiString(k)}: ${yiString(v)} }`).join(', ')} ] }`;
    if (style === 'theliel') return `{"rval":0, "msg_id":3, "param":[\n${entries.map(([k, v]) => `\t{${JSON.stringify(k)}:${JSON.stringify(v)}}`).join(',\n')}\n]}`;
    return `{"rval":0,"msg_id":3,"param":[${entries.map(([k, v]) => `{${JSON.stringify(k)}:${JSON.stringify(v)}}`).join(',')}]}`;
  }

  private renderSubset(): string {
    const keys = this.model.settings.subset_keys ?? [];
    return `{"rval":0,"msg_id":2053,"param":[${keys.map((k) => `{${JSON.stringify(k)}:${JSON.stringify(this.currentValue(k))}}`).join(',')}]}`;
  }

  private currentValue(name: string): string {
    const live = this.model.settings.live_keys?.[name];
    if (live !== undefined && this.state[live] !== undefined) return String(this.state[live]);
    return this.settings.get(name) ?? '';
  }

  private listing(req: Record<string, unknown>, vars: TemplateVars): string | null {
    const param = String(req.param ?? '');
    const withSizes = /\s-D\b/.test(param) || /\s-S\b/.test(param);
    const dirPart = param.replace(/\s+-[A-Za-z]+/g, '').trim();
    if (this.model.name === 'yi1' && dirPart !== '' && !dirPart.endsWith('/')) {
      // A Yi 1 lists only a directory given with its trailing slash; anything else crashed its
      // server (spec §3.1, 1282). The connection goes; the camera survives here.
      return 'crash';
    }
    const dir = dirPart === '' ? this.pwd : this.sd.resolve(dirPart, this.pwd);
    if (!this.sd.isDir(dir)) return 'not_found';
    vars.listing = JSON.stringify(this.sd.list(dir, withSizes));
    return null;
  }

  // --- actions with their own timing (data port) ---------------------------------------------

  private async runAction(conn: ControlConn, req: Record<string, unknown>, handler: SimHandler, extra: number): Promise<void> {
    const texts = handler.texts ?? {};
    const msgId = req.msg_id as number;
    const vars = this.vars(conn, req);
    switch (handler.action) {
      case 'get_file':
        return this.getFile(conn, req, texts, vars, extra);
      case 'put_file':
        return this.putFile(conn, req, texts, vars, extra);
      case 'cancel_xfer':
        return this.cancelXfer(conn, texts, vars, extra);
      case 'thumb':
        return this.thumb(conn, req, texts, vars, extra);
      case 'mediainfo': {
        const p = this.sd.resolve(String(req.param ?? ''), this.pwd);
        const file = this.sd.get(p);
        if (!file) return this.replyError(conn, 'not_found', msgId);
        const kind = /\.(mp4|mov)$/i.test(p) ? 'mov' : 'img';
        await this.sleep(15 + extra);
        return this.write(conn, [renderTemplate(texts[kind], { ...vars, path: p, size: file.data.length, date: file.date })], undefined, msgId);
      }
      case 'options': {
        const name = String(req.param ?? '');
        const options = this.optionsOf(name);
        if (!options && !this.settings.has(name)) return this.replyError(conn, 'unknown_type', msgId);
        await this.sleep(15 + extra);
        const readonly = this.model.readonly.includes(name);
        const list = JSON.stringify(options ?? [this.settings.get(name) ?? '']);
        return this.write(conn, [renderTemplate(readonly ? texts.readonly : texts.settable, { ...vars, name, options: list })], undefined, msgId);
      }
      default:
        return this.replyError(conn, 'unknown_msg_id', msgId);
    }
  }

  private async getFile(conn: ControlConn, req: Record<string, unknown>, texts: Record<string, string>, vars: TemplateVars, extra: number): Promise<void> {
    const p = this.sd.resolve(String(req.param ?? ''), this.pwd);
    const file = this.sd.get(p);
    if (!file) return this.replyError(conn, 'not_found', 1285);
    if (this.needsClientInfo()) return this.writeRval(conn, -14, 1285);
    if (this.transfer) return this.writeRval(conn, -21, 1285);
    const size = file.data.length;
    const offset = Math.max(0, Math.floor(Number(req.offset) || 0));
    const fetch = Math.max(0, Math.floor(Number(req.fetch_size) || 0));
    if (offset > size) return this.replyError(conn, 'bad_value', 1285);
    const rem = fetch === 0 ? size - offset : Math.min(fetch, size - offset);
    const part = file.data.subarray(offset, offset + rem);
    const digest = this.model.event_md5 === 'whole_file' ? md5(file.data) : md5(part);
    const ack = renderTemplate(texts.ack, { ...vars, rem_size: rem, size });
    const t = this.startTransfer('get', p, conn, async (transfer, socket) => {
      if (socket) await this.push(transfer, socket, part);
    });
    const finishText = (): string =>
      t.sent === rem && !t.cancelled
        ? renderTemplate(texts.complete, { ...vars, bytes_sent: t.sent, md5: digest })
        : renderTemplate(texts.fail, { ...vars, bytes_sent: t.sent, md5: md5(part.subarray(0, t.sent)) });
    const sendFinish = async (): Promise<void> => {
      await t.done;
      if (!t.cancelled) await this.write(conn, [finishText()], undefined, -1);
    };
    if (this.model.get_file_order === 'event_first_if_done') {
      // Yi 1: the ack waits a moment; a push that finished by then is reported before it.
      const finishedInTime = await Promise.race([t.done.then(() => true), this.sleep((this.model.get_file_wait_ms ?? 300) + extra).then(() => false)]);
      if (finishedInTime) await sendFinish();
      await this.write(conn, [ack], undefined, 1285);
      if (!finishedInTime) void sendFinish();
      return;
    }
    await this.sleep(15 + extra);
    await this.write(conn, [ack], undefined, 1285);
    void sendFinish();
  }

  private async putFile(conn: ControlConn, req: Record<string, unknown>, texts: Record<string, string>, vars: TemplateVars, extra: number): Promise<void> {
    const p = this.sd.resolve(String(req.param ?? ''), this.pwd);
    const size = Math.floor(Number(req.size));
    if (typeof req.md5sum !== 'string' || !/^[0-9a-f]{32}$/i.test(req.md5sum) || !Number.isFinite(size) || size < 0) return this.writeRval(conn, -25, 1286);
    if (this.sd.has(p)) return this.replyError(conn, 'bad_value', 1286);
    if (this.needsClientInfo()) return this.writeRval(conn, -14, 1286);
    if (this.transfer) return this.writeRval(conn, -21, 1286);
    const expected = req.md5sum.toLowerCase();
    const parts: Buffer[] = [];
    const t = this.startTransfer('put', p, conn, (transfer, socket) => new Promise<void>((resolve) => {
      if (!socket || size === 0) return resolve();
      transfer.onData = (chunk) => {
        const take = chunk.subarray(0, size - transfer.sent);
        parts.push(Buffer.from(take));
        transfer.sent += take.length;
        if (transfer.sent >= size) resolve();
      };
      transfer.stop = resolve;
    }));
    await this.sleep(15 + extra);
    await this.write(conn, [texts.ack], undefined, 1286);
    // The data service reports on its own; the command task is free for the next request (a 1287).
    void t.done.then(async () => {
      if (t.cancelled) return;
      const data = Buffer.concat(parts);
      const ok = data.length === size && md5(data) === expected;
      if (ok) this.sd.put(p, data);
      const text = renderTemplate(ok ? texts.complete : texts.fail, { ...vars, bytes_received: data.length, md5: md5(data) });
      await this.write(conn, [text], undefined, -1);
    }).catch(() => undefined);
  }

  private async thumb(conn: ControlConn, req: Record<string, unknown>, texts: Record<string, string>, vars: TemplateVars, extra: number): Promise<void> {
    const p = this.sd.resolve(String(req.param ?? ''), this.pwd);
    if (!this.sd.has(p)) return this.replyError(conn, 'not_found', 1025);
    if (this.needsClientInfo()) return this.writeRval(conn, -14, 1025);
    if (this.transfer) return this.writeRval(conn, -21, 1025);
    const bytes = this.sd.thumbnail(p);
    const t = this.startTransfer('thumb', p, conn, async (transfer, socket) => {
      if (socket) await this.push(transfer, socket, bytes);
    });
    await t.done;
    if (t.cancelled || t.sent !== bytes.length) return this.writeRval(conn, -21, 1025);
    await this.sleep(10 + extra);
    await this.write(conn, [renderTemplate(texts.ack, { ...vars, size: bytes.length, type: String(req.type ?? 'thumb'), md5: md5(bytes) })], undefined, 1025);
  }

  private async cancelXfer(conn: ControlConn, texts: Record<string, string>, vars: TemplateVars, extra: number): Promise<void> {
    const t = this.transfer;
    await this.sleep(10 + extra);
    if (!t) return this.write(conn, [texts.idle], undefined, 1287);
    this.cancelTransfer();
    await t.done; // the reply comes only after the data service stopped (spec §4.3)
    await this.write(conn, [renderTemplate(texts.ack, { ...vars, bytes_sent: t.sent })], undefined, 1287);
  }

  private startTransfer(kind: Transfer['kind'], p: string, holder: ControlConn, run: (t: Transfer, socket: net.Socket | null) => Promise<void>): Transfer {
    const t: Transfer = { kind, path: p, holder, sent: 0, cancelled: false, done: Promise.resolve() };
    this.transfer = t;
    t.done = this.dataSocket()
      .then((socket) => run(t, socket))
      .catch(() => undefined)
      .finally(() => {
        if (this.transfer === t) this.transfer = null;
      });
    return t;
  }

  private cancelTransfer(): void {
    const t = this.transfer;
    if (!t) return;
    t.cancelled = true;
    t.stop?.();
  }

  /** Writes `bytes` on the data socket; stops early on cancel, close, or the injected drop. */
  private async push(t: Transfer, socket: net.Socket, bytes: Buffer): Promise<void> {
    const rate = this.opts.dataRate ?? 0;
    const piece = rate > 0 ? Math.max(1024, Math.min(CHUNK, Math.floor(rate / 20))) : CHUNK;
    while (t.sent < bytes.length && !t.cancelled && !socket.destroyed && !this.stopped) {
      let n = Math.min(piece, bytes.length - t.sent);
      const dropAt = this.faults.dropDataAfterBytes;
      if (dropAt !== undefined && t.sent + n >= dropAt) {
        n = Math.max(0, dropAt - t.sent);
        if (n > 0) await writeSocket(socket, bytes.subarray(t.sent, t.sent + n));
        t.sent += n;
        this.faults.dropDataAfterBytes = undefined;
        socket.destroy();
        return;
      }
      await writeSocket(socket, bytes.subarray(t.sent, t.sent + n));
      t.sent += n;
      if (rate > 0) await this.sleepReal((n / rate) * 1000);
    }
  }

  // --- data connections -------------------------------------------------------------------------

  private onData(socket: net.Socket): void {
    this.dataConns.add(socket);
    this.latestData = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.absorb(() => {
      if (this.transfer?.kind !== 'put' || !this.transfer.onData) return;
      this.transfer.onData(chunk);
      // A card that writes at `dataRate`: the socket is not read faster, so the client feels it.
      const rate = this.opts.dataRate ?? 0;
      if (rate > 0) {
        socket.pause();
        this.later(() => socket.resume(), (chunk.length / rate) * 1000);
      }
    }));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.dataConns.delete(socket);
      if (this.latestData === socket) this.latestData = null;
      if (this.transfer?.kind === 'put') this.transfer.stop?.();
    });
    for (const w of this.dataWaiters.splice(0)) w(socket);
  }

  /** The client's data connection; clients open it before the request, a late one is waited for. */
  private dataSocket(): Promise<net.Socket | null> {
    if (this.latestData && !this.latestData.destroyed) return Promise.resolve(this.latestData);
    return new Promise((resolve) => {
      const timer = this.later(() => {
        this.dataWaiters = this.dataWaiters.filter((w) => w !== waiter);
        resolve(null);
      }, 3000);
      const waiter = (s: net.Socket | null): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(s);
      };
      this.dataWaiters.push(waiter);
    });
  }

  // --- writing ------------------------------------------------------------------------------

  private vars(conn: ControlConn, req: Record<string, unknown>): TemplateVars {
    const recStarted = Number(this.state.rec_started) || Date.now();
    return {
      token: this.token,
      msg_id: typeof req.msg_id === 'number' ? req.msg_id : 0,
      type: req.type === undefined ? undefined : String(req.type),
      param: req.param === undefined ? undefined : String(req.param),
      power: String(this.state.power ?? 'battery'),
      battery: String(this.state.battery ?? '100'),
      camera_mode: String(this.state.camera_mode ?? ''),
      rec_seconds: Math.floor((Date.now() - recStarted) / 1000),
      pwd: this.pwd,
      host: this.host,
      conn: conn.id,
    };
  }

  private replyError(conn: ControlConn, name: string, msgId: number): Promise<void> {
    if (name === 'crash') {
      conn.socket.destroy();
      return Promise.resolve();
    }
    const text = this.model.errors[name]?.text ?? `{"rval":-1,"msg_id":\${msg_id}}`;
    return this.sleep(15).then(() => this.write(conn, [renderTemplate(text, { msg_id: msgId })], undefined, msgId));
  }

  private writeRval(conn: ControlConn, rval: number, msgId: number): Promise<void> {
    return this.sleep(15).then(() => this.write(conn, [`{"rval":${rval},"msg_id":${msgId}}`], undefined, msgId));
  }

  /** Plays captured steps; resolves once the reply to `msgId` is written, the rest plays on. */
  private playSteps(conn: ControlConn, steps: SimStep[], vars: TemplateVars, msgId: number, extraMs: number): Promise<void> {
    return new Promise<void>((replied) => {
      const run = async (): Promise<void> => {
        const merge = this.faults.mergeWrites === true;
        let first = true;
        let merged: string[] = [];
        for (const s of steps) {
          const texts = s.w.map((w) => renderTemplate(w, vars));
          if (merge) {
            if (first) await this.sleep(s.d + extraMs);
            first = false;
            merged.push(...texts);
            continue;
          }
          await this.sleep(s.d + (first ? extraMs : 0));
          first = false;
          if (conn.closed || this.stopped) break;
          await this.write(conn, texts, s.split_gap_ms, msgId);
          if (texts.some((t) => isReplyTo(t, msgId))) replied();
        }
        if (merge && merged.length > 0 && !conn.closed) await this.write(conn, merged, undefined, msgId);
        merged = [];
      };
      run().catch(() => undefined).finally(() => replied());
    });
  }

  /** One socket write of texts back to back, cut at the MSS like the SJ8's TCP stack did. */
  private write(conn: ControlConn, texts: string[], gapMs: number | undefined, msgId: number): Promise<void> {
    const run = conn.writing.then(() => this.writeNow(conn, texts, gapMs, msgId));
    conn.writing = run.catch(() => undefined);
    return run;
  }

  private async writeNow(conn: ControlConn, texts: string[], gapMs: number | undefined, msgId: number): Promise<void> {
    if (conn.closed || this.stopped) return;
    const pieces = texts.map((t) => this.decorate(t, msgId));
    let bytes = Buffer.from(pieces.join(''), 'utf8');
    if (this.faults.splitWrites) {
      while (bytes.length > 0 && !conn.closed) {
        const n = 1 + Math.floor(Math.random() * 7);
        conn.socket.write(bytes.subarray(0, n));
        bytes = bytes.subarray(n);
        await this.sleepReal(1);
      }
      return;
    }
    const mss = this.model.mss;
    while (bytes.length > mss && !conn.closed) {
      conn.socket.write(bytes.subarray(0, mss));
      bytes = bytes.subarray(mss);
      await this.sleep(gapMs ?? this.model.mssGapMs);
    }
    if (!conn.closed) conn.socket.write(bytes);
  }

  /** The reference server's trailing NUL and missing brace, by model and by injected fault. */
  private decorate(text: string, msgId: number): string {
    const reply = isReplyTo(text, msgId);
    let out = text;
    if (reply && this.faults.missingBrace?.includes(msgId) && out.endsWith('}')) out = out.slice(0, -1);
    const nul = (this.model.nul_after.includes(msgId) && !this.faults.noNul) || this.faults.trailingNul === true;
    if (reply && nul) out += '\u0000';
    return out;
  }

  // --- helpers ------------------------------------------------------------------------------

  private seedCard(): void {
    const f = this.model.default_file;
    const isVideo = /\.(mp4|mov)$/i.test(f.name);
    if (isVideo) this.sd.addVideo(f.name, 1, f.date);
    else this.sd.addPhoto(f.name, 1, f.size, f.date);
    for (const extra of this.model.extra_files ?? []) this.sd.put(`${extra.dir ?? this.model.media_dir}/${extra.name}`, Buffer.alloc(extra.size ?? 0), extra.date);
  }

  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.absorb(fn);
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /** Waits a captured delay, scaled. */
  private sleep(ms: number): Promise<void> {
    return this.sleepReal(ms * this.timeScale);
  }

  private sleepReal(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // No delay (timeScale 0 in the benchmark): no timer, whose 1 ms floor would be all one measures.
      if (this.stopped || ms <= 0) return resolve();
      this.later(resolve, Math.max(0, ms));
    });
  }

  private absorb(fn: () => void): void {
    try {
      fn();
    } catch {
      // A simulator bug must not take the test process or the demo down.
    }
  }
}

/** Starts a simulated camera on loopback; `stop()` it when done. */
export async function startSimulatedCamera(options: SimulatedCameraOptions = {}): Promise<SimulatedCamera> {
  const camera = new SimulatedCamera(options);
  await camera.start();
  return camera;
}

function isReplyTo(text: string, msgId: number): boolean {
  if (!/"rval"\s*:/.test(text)) return false;
  const m = /"msg_id"\s*:\s*(\d+)/.exec(text);
  return m !== null && Number(m[1]) === msgId;
}

/** The Yi firmware's JSON strings: `/` escaped as `\/` (spec §1.2). */
function yiString(value: string): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

function writeSocket(socket: net.Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    if (socket.write(bytes)) resolve();
    else {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    }
  });
}
