// Entry point of a camera's child process. It loads the vendor library (so a crash or a hang in
// native code takes down this process only), initialises it once, and runs sessions one after
// another, reconnecting with backoff on a lost session and stopping on a configuration error.
// Frames go to Node-RED on the binary frame pipe; everything else as IPC messages.
import * as net from 'net';
import { Backoff } from '../core/backoff';
import type { FrameFields } from '../core/frame';
import { ChildConfig, ChildMessage, EXIT, FRAME_PIPE_FD, ParentMessage } from './child-messages';
import { encodePipeFrame } from './frame-pipe';
import { TutkError, TutkLibrary } from './tutk-binding';
import { DEFAULT_SESSION, DropReason, SessionConfig, SessionEnd, SessionEvents, TutkSession } from './tutk-session';
import { classifyError, describeError, errorName } from './tutk-errors';

const DROP_REPORT_MS = 1000;
/** Past this, a stop that the library does not honour ends with a plain exit. */
const STOP_GRACE_MS = 8000;

let pipe: net.Socket | null = null;
let session: TutkSession | null = null;
let stopRequested = false;
let wakeRetry: (() => void) | null = null;
let exiting = false;

function send(msg: ChildMessage): void {
  try {
    if (process.connected) process.send?.(msg);
  } catch {
    // The parent is gone; the disconnect handler ends this process.
  }
}

/** Exits once the message is handed to the parent (or at once when there is no parent). */
function exitWith(code: number, msg?: ChildMessage): void {
  if (exiting) return;
  exiting = true;
  const done = () => process.exit(code);
  if (msg && process.connected && process.send) {
    try {
      process.send(msg, () => done());
      setTimeout(done, 1000).unref();
      return;
    } catch {
      // fall through
    }
  }
  done();
}

function requestStop(): void {
  if (stopRequested) return;
  stopRequested = true;
  session?.stop();
  wakeRetry?.();
  setTimeout(() => exitWith(EXIT.STOPPED), STOP_GRACE_MS).unref();
}

function sessionConfig(config: ChildConfig): SessionConfig {
  return {
    ...DEFAULT_SESSION,
    uid: config.uid,
    account: config.account,
    password: config.password,
    channel: config.channel,
    startPayload: Buffer.from(config.startPayloadHex, 'hex'),
    audio: config.audio,
    frameInfoProfile: config.frameInfoProfile,
    connectTimeoutMs: config.connectTimeoutMs,
    startTimeoutSec: config.startTimeoutSec,
    ioctrlTimeoutMs: config.ioctrlTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    initialBufferBytes: Math.min(512 * 1024, config.maxFrameBytes),
  };
}

/**
 * The frames of one turn of the frame loop, written to the pipe together: one writev, one wake-up
 * of Node-RED's reader, instead of one per frame. Each frame is copied out of the library's
 * reusable buffer as it is added.
 */
class PipeBatch {
  private frames: Buffer[] = [];
  private bytes = 0;

  add(payload: Buffer, fields: FrameFields): void {
    const encoded = encodePipeFrame(payload, fields);
    this.frames.push(encoded);
    this.bytes += encoded.length;
  }

  /** Bytes not yet taken up by the kernel: this batch and what the socket still holds. */
  backlog(socket: net.Socket): number {
    return this.bytes + socket.writableLength;
  }

  writeTo(socket: net.Socket): void {
    const frames = this.frames;
    if (frames.length === 0) return;
    this.frames = [];
    this.bytes = 0;
    if (frames.length === 1) {
      socket.write(frames[0]);
      return;
    }
    socket.cork();
    for (const frame of frames) socket.write(frame);
    socket.uncork();
  }
}

function sessionEvents(config: ChildConfig, backoff: Backoff): SessionEvents {
  const batch = new PipeBatch();
  let drops: Partial<Record<DropReason, number>> = {};
  let dropTimer: NodeJS.Timeout | null = null;
  const flushDrops = () => {
    dropTimer = null;
    send({ type: 'drops', counts: drops });
    drops = {};
  };
  return {
    phase(phase, detail) {
      if (phase === 'online') backoff.succeeded();
      send({ type: 'phase', phase, expectMs: detail?.expectMs });
    },
    session(info) {
      send({ type: 'session', mode: info.mode, remoteIp: info.remoteIp, remotePort: info.remotePort, natType: info.natType });
    },
    frame(payload: Buffer, fields: FrameFields) {
      if (pipe) batch.add(payload, fields);
    },
    flush() {
      if (pipe) batch.writeTo(pipe);
    },
    ready() {
      return pipe !== null && batch.backlog(pipe) < config.pipeHighWaterBytes;
    },
    drop(reason, count = 1) {
      drops[reason] = (drops[reason] ?? 0) + count;
      if (!dropTimer) dropTimer = setTimeout(flushDrops, DROP_REPORT_MS);
    },
    firstFrame(info) {
      send({ type: 'firstFrame', ...info });
    },
    warning(message) {
      send({ type: 'warning', message });
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      wakeRetry = null;
      resolve();
    }
    wakeRetry = done;
  });
}

function fatalFor(end: Extract<SessionEnd, { stopped: false }>): ChildMessage {
  return { type: 'fatal', code: end.code, codeName: errorName(end.code), errorClass: end.errorClass, reason: `${end.call}: ${describeError(end.code)}` };
}

async function run(config: ChildConfig): Promise<void> {
  let lib: TutkLibrary;
  try {
    lib = TutkLibrary.load(config.library);
  } catch (err) {
    return exitWith(EXIT.CONFIG, { type: 'fatal', errorClass: 'library', reason: (err as Error).message });
  }
  let channels: number;
  try {
    channels = lib.acquire(config.maxChannels, { lanMs: config.lanTimeoutMs, p2pMs: config.p2pTimeoutMs });
  } catch (err) {
    const code = err instanceof TutkError ? err.code : undefined;
    const errorClass = code === undefined ? 'init' : classifyError(code);
    const exit = errorClass === 'config' ? EXIT.CONFIG : EXIT.INIT;
    return exitWith(exit, { type: 'fatal', code, codeName: code === undefined ? undefined : errorName(code), errorClass, reason: (err as Error).message });
  }
  // Once, before any avClientStart2: whether the library reads it later is an open question (spec §7.5).
  if (config.maxBufKb !== undefined) lib.setMaxBufSize(config.maxBufKb);
  send({ type: 'ready', iotcVersion: lib.iotcVersion, avVersion: lib.avVersion, channels });
  const backoff = new Backoff({ initialMs: config.reconnectInitialMs, maxMs: config.reconnectMaxMs });
  const events = sessionEvents(config, backoff);
  let exitCode: number = EXIT.STOPPED;
  let exitMessage: ChildMessage | undefined;
  while (!stopRequested) {
    session = new TutkSession(lib, sessionConfig(config), events);
    const end = await session.run();
    session = null;
    if (end.stopped || stopRequested) break;
    if (end.errorClass === 'config' || end.errorClass === 'init') {
      exitCode = end.errorClass === 'config' ? EXIT.CONFIG : EXIT.INIT;
      exitMessage = fatalFor(end);
      break;
    }
    const retryMs = backoff.next();
    send({ type: 'phase', phase: 'offline', retryMs, code: end.code, codeName: errorName(end.code), errorClass: end.errorClass, reason: `${end.call}: ${describeError(end.code)}` });
    await sleep(retryMs);
  }
  // Process-level teardown, once: avDeInitialize, then IOTC_DeInitialize.
  lib.release();
  exitWith(exitCode, exitMessage);
}

function main(): void {
  process.on('uncaughtException', (err) => {
    exitWith(EXIT.INTERNAL, { type: 'fatal', errorClass: 'reconnect', reason: `child error: ${err.stack ?? err}` });
  });
  process.on('unhandledRejection', (err) => {
    exitWith(EXIT.INTERNAL, { type: 'fatal', errorClass: 'reconnect', reason: `child error: ${(err as Error)?.stack ?? err}` });
  });
  // Node-RED went away (or closed the IPC channel): stop the camera and leave.
  process.on('disconnect', requestStop);
  process.on('SIGTERM', requestStop);
  try {
    pipe = new net.Socket({ fd: FRAME_PIPE_FD, readable: false, writable: true });
    pipe.on('error', requestStop);
  } catch (err) {
    exitWith(EXIT.INTERNAL, { type: 'fatal', errorClass: 'reconnect', reason: `no frame pipe on fd ${FRAME_PIPE_FD}: ${(err as Error).message}` });
    return;
  }
  let started = false;
  process.on('message', (msg: ParentMessage) => {
    if (msg?.type === 'stop') requestStop();
    else if (msg?.type === 'start' && !started) {
      started = true;
      run(msg.config).catch((err: unknown) => exitWith(EXIT.INTERNAL, { type: 'fatal', errorClass: 'reconnect', reason: `child error: ${(err as Error)?.stack ?? err}` }));
    }
  });
}

if (require.main === module) main();
