// Node-RED's side of a camera's child process: spawns it (one per camera), reads frames from the
// binary pipe and stamps them per the frame contract, relays the child's state, and watches it.
// A crash, a hang (no frame, no announced progress, within the watchdog time) or an unexpected
// exit is reported to the fan-out hub as a failure, which restarts the child with backoff; a
// configuration error is reported once and not retried until the user restarts.
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { Readable } from 'stream';
import type { Producer, ProducerSink } from '../core/fanout-hub';
import { FrameMessage, FrameStamper } from '../core/frame';
import { ChildConfig, ChildMessage, EXIT, FRAME_PIPE_FD, ParentMessage } from './child-messages';
import { checkLibraryArchitecture } from './elf-header';
import { PipeFrameDecoder } from './frame-pipe';
import type { LibraryFiles } from './library-location';

export const DEFAULT_WATCHDOG_MS = 15_000;
const STOP_GRACE_MS = 10_000;
const STDERR_TAIL_BYTES = 2048;
/** Two init failures in a row: the library cannot work here (spec §2, "re-initialise once"). */
const MAX_INIT_FAILURES = 2;

export type HostEvent =
  | ChildMessage
  | { type: 'spawned'; pid: number }
  | { type: 'exit'; code: number | null; signal: NodeJS.Signals | null; reason: string; restart: boolean }
  | { type: 'watchdog'; silentMs: number };

export interface TutkHostOptions {
  camera: string;
  /** The child's settings; `library` may come from `resolveLibrary` instead. */
  config: Omit<ChildConfig, 'library'> & { library?: LibraryFiles };
  /** Finds the library at each start (so a library placed later is picked up); throws when there is none. */
  resolveLibrary?: () => LibraryFiles;
  /** No frame (and no announced progress) for this long: kill and restart the child. */
  watchdogMs?: number;
  /** Extra environment for the child (e.g. the fake library's scenario in tests). */
  env?: NodeJS.ProcessEnv;
  stopGraceMs?: number;
  /** The child's entry script (default: tutk-child.js beside this file). */
  childEntry?: string;
  onEvent?(event: HostEvent): void;
}

/** One child process, from spawn to exit. */
class ChildRun {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  private readonly decoder = new PipeFrameDecoder();
  private deadline: number;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private stopTimer: NodeJS.Timeout | null = null;
  private stderrTail = '';
  private lastFatal: Extract<ChildMessage, { type: 'fatal' }> | null = null;
  private lastPhaseError: string | null = null;
  private killedBy: string | null = null;
  private stopping = false;
  private watchdogArmed = true;

  constructor(private readonly host: TutkHost, private readonly sink: ProducerSink<FrameMessage>, config: ChildConfig) {
    const options = host.options;
    this.deadline = Date.now() + host.watchdogMs;
    this.child = spawn(process.execPath, [options.childEntry ?? path.join(__dirname, 'tutk-child.js')], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'],
      env: { ...process.env, ...options.env },
      windowsHide: true,
    });
    this.exited = new Promise((resolve) => {
      let settled = false;
      const settle = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        this.onExit(code, signal);
        resolve();
      };
      this.child.once('exit', settle);
      this.child.on('error', (err) => {
        this.host.emit({ type: 'warning', message: `camera process: ${err.message}` });
        // A process that could not be spawned never emits 'exit'.
        if (this.child.pid === undefined) {
          this.stderrTail = err.message;
          settle(null, null);
        }
      });
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    this.child.on('message', (msg: ChildMessage) => this.onMessage(msg));
    const pipe = this.child.stdio[FRAME_PIPE_FD] as Readable | null;
    pipe?.on('data', (chunk: Buffer) => this.onPipe(chunk));
    pipe?.on('error', () => undefined); // the exit handler reports what happened
    if (this.child.pid !== undefined) this.host.emit({ type: 'spawned', pid: this.child.pid });
    this.send({ type: 'start', config });
    const tick = Math.max(50, Math.min(1000, Math.floor(host.watchdogMs / 4)));
    this.watchdogTimer = setInterval(() => this.checkWatchdog(), tick);
  }

  /** Asks the child to tear down its session; kills it if it does not exit in time. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.clearWatchdog();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.send({ type: 'stop' });
    this.stopTimer = setTimeout(() => this.kill('did not stop in time'), this.host.options.stopGraceMs ?? STOP_GRACE_MS);
  }

  private send(msg: ParentMessage): void {
    try {
      if (this.child.connected) this.child.send(msg);
    } catch {
      // the child is already gone; its exit is handled
    }
  }

  private kill(why: string): void {
    this.killedBy ??= why;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already dead
    }
  }

  private clearWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
  }

  private extend(ms: number): void {
    this.deadline = Math.max(this.deadline, Date.now() + ms);
  }

  private checkWatchdog(): void {
    if (!this.watchdogArmed || this.stopping) return;
    const now = Date.now();
    if (now <= this.deadline) return;
    const silentMs = now - this.deadline + this.host.watchdogMs;
    this.host.emit({ type: 'watchdog', silentMs });
    this.clearWatchdog();
    this.kill(`watchdog: no frame for ${Math.round(silentMs / 1000)} s`);
  }

  private onPipe(chunk: Buffer): void {
    if (this.stopping) return;
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.kill(`bad frame pipe: ${(err as Error).message}`);
      return;
    }
    if (frames.length === 0) return;
    this.deadline = Date.now() + this.host.watchdogMs;
    for (const f of frames) this.sink.emit(this.host.stamper.stamp(f.payload, f.fields));
  }

  private onMessage(msg: ChildMessage): void {
    if (this.stopping || typeof msg !== 'object' || msg === null) return;
    const watchdogMs = this.host.watchdogMs;
    switch (msg.type) {
      case 'phase':
        if (msg.phase === 'online') {
          this.deadline = Date.now() + watchdogMs;
          this.sink.up();
        } else if (msg.phase === 'offline') {
          this.lastPhaseError = msg.reason ?? null;
          this.deadline = Date.now() + (msg.retryMs ?? 0) + watchdogMs;
        } else {
          this.extend((msg.expectMs ?? 0) + watchdogMs);
        }
        break;
      case 'fatal':
        this.lastFatal = msg;
        this.watchdogArmed = false;
        break;
      default:
        break;
    }
    this.host.emit(msg);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.clearWatchdog();
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stopTimer = null;
    if (this.stopping && !this.killedBy) {
      this.host.emit({ type: 'exit', code, signal, reason: 'stopped', restart: false });
      return;
    }
    const reason = this.describeExit(code, signal);
    if (this.stopping) {
      this.host.emit({ type: 'exit', code, signal, reason, restart: false });
      return;
    }
    const initFailure = code === EXIT.INIT;
    const configError = code === EXIT.CONFIG || (initFailure && this.host.noteInitFailure() >= MAX_INIT_FAILURES);
    this.host.emit({ type: 'exit', code, signal, reason, restart: !configError });
    if (configError) this.host.configFailed(new Error(reason));
    else this.sink.fail(new Error(reason));
  }

  /** "killed by SIGSEGV; last error AV_ER_SESSION_CLOSE_BY_REMOTE (-20015)" and the like. */
  private describeExit(code: number | null, signal: NodeJS.Signals | null): string {
    const parts: string[] = [];
    if (this.lastFatal) parts.push(this.lastFatal.reason);
    else if (this.killedBy) parts.push(this.killedBy);
    else if (signal) parts.push(`camera process killed by ${signal}`);
    else parts.push(`camera process exited with code ${code}`);
    if (this.killedBy && signal && !this.lastFatal) parts[0] += ` (${signal})`;
    if (!this.lastFatal && this.lastPhaseError) parts.push(`last error ${this.lastPhaseError}`);
    // Node's crash report ends with its version line; the error line above it says what happened.
    const lines = this.stderrTail.trim().split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
    const stderr = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop();
    if (!this.lastFatal && !this.killedBy && stderr) parts.push(stderr.slice(0, 200));
    return parts.join('; ');
  }
}

/**
 * A Producer for the fan-out hub: the hub starts it for the first consumer, stops it after the
 * last, and restarts it with backoff after `sink.fail`. Each start is a fresh child process, so a
 * library that got into a bad state is thrown away with its process.
 */
export class TutkHost implements Producer<FrameMessage> {
  readonly stamper: FrameStamper;
  readonly watchdogMs: number;
  private current: ChildRun | null = null;
  private readonly exiting = new Set<Promise<void>>();
  private initFailures = 0;
  private onConfigError: ((err: Error) => void) | null = null;

  constructor(readonly options: TutkHostOptions) {
    this.stamper = new FrameStamper(options.camera, 'xiaomi');
    this.watchdogMs = options.watchdogMs ?? DEFAULT_WATCHDOG_MS;
  }

  /** Called with the error when the child stopped for a reason the user must fix. */
  setConfigErrorHandler(handler: (err: Error) => void): void {
    this.onConfigError = handler;
  }

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  start(sink: ProducerSink<FrameMessage>): void {
    this.current?.stop();
    this.current = null;
    let library = this.options.config.library;
    try {
      if (this.options.resolveLibrary) library = this.options.resolveLibrary();
      if (!library) throw new Error('no TUTK library configured');
      // A wrong architecture is told here, in words, rather than as a dlopen error from the child.
      for (const file of library.kind === 'all' ? [library.all] : [library.iotc, library.av]) checkLibraryArchitecture(file);
    } catch (err) {
      const reason = (err as Error).message;
      this.emit({ type: 'fatal', errorClass: 'library', reason });
      this.configFailed(new Error(reason));
      return;
    }
    const run = new ChildRun(this, sink, { ...this.options.config, library });
    this.current = run;
    this.track(run);
  }

  stop(): void {
    const run = this.current;
    this.current = null;
    run?.stop();
  }

  /** Resolves once every child this host started has exited. */
  async closed(): Promise<void> {
    while (this.exiting.size > 0) await Promise.all([...this.exiting]);
  }

  /** @internal */
  emit(event: HostEvent): void {
    if (event.type === 'phase' && event.phase === 'online') this.initFailures = 0;
    try {
      this.options.onEvent?.(event);
    } catch {
      // a listener's bug must not break the camera
    }
  }

  /** @internal */
  noteInitFailure(): number {
    return ++this.initFailures;
  }

  /** @internal */
  configFailed(err: Error): void {
    this.current = null;
    this.onConfigError?.(err);
  }

  private track(run: ChildRun): void {
    const done = run.exited.then(() => {
      this.exiting.delete(done);
      if (this.current === run) this.current = null;
    });
    this.exiting.add(done);
  }
}
