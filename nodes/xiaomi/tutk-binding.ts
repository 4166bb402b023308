// koffi declarations of the TUTK IOTC and AV client functions (spec §1.2), the load order of
// spec §1.1, and the process-wide, reference-counted initialisation of spec §1.4.
// This module loads native code: it runs only in the camera's child process (tutk-child.ts),
// never inside Node-RED, so a crash in the vendor library cannot take Node-RED down.
import type * as Koffi from 'koffi' with { 'resolution-mode': 'import' };
import { MAX_BUF_KB } from './child-messages';
import { checkLibraryArchitecture } from './elf-header';
import { LibraryFiles } from './library-location';
import { IOTC_ER_ALREADY_INITIALIZED, describeError } from './tutk-errors';

// koffi's package is ESM-typed but ships a CommonJS build: load that, typed by its declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi: typeof Koffi = require('koffi');

type Fn = Koffi.KoffiFunc<(...args: any[]) => any>;

/** st_SInfo, 64 bytes, natural alignment (offsets in spec §1.2; RemotePort is a u16). */
koffi.struct('p2pcam_st_SInfo', {
  Mode: 'uint8_t',
  CorD: 'int8_t',
  UID: koffi.array('char', 21, 'String'),
  RemoteIP: koffi.array('char', 17, 'String'),
  RemotePort: 'uint16_t',
  TX_Packetcount: 'uint32_t',
  RX_Packetcount: 'uint32_t',
  IOTCVersion: 'uint32_t',
  VID: 'uint16_t',
  PID: 'uint16_t',
  GID: 'uint16_t',
  NatType: 'uint8_t',
  isSecure: 'uint8_t',
});

export type SessionMode = 'P2P' | 'relay' | 'LAN' | 'unknown';

export interface SessionInfo {
  mode: SessionMode;
  uid: string;
  remoteIp: string;
  remotePort: number;
  natType: number;
  iotcVersion: string;
}

/** 0x02010300 → "2.1.3.0" (packed from the high byte down). */
export function unpackVersion(packed: number): string {
  const v = packed >>> 0;
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
}

function modeName(mode: number): SessionMode {
  return mode === 0 ? 'P2P' : mode === 1 ? 'relay' : mode === 2 ? 'LAN' : 'unknown';
}

interface Handles {
  IOTC_Get_Version: Fn;
  IOTC_Initialize2: Fn;
  IOTC_DeInitialize: Fn;
  IOTC_Set_Max_Session_Number: Fn;
  IOTC_Get_SessionID: Fn;
  IOTC_Connect_ByUID_Parallel: Fn;
  IOTC_Connect_Stop_BySID: Fn;
  IOTC_Session_Check: Fn;
  IOTC_Session_Close: Fn;
  IOTC_Setup_LANConnection_Timeout: Fn;
  IOTC_Setup_P2PConnection_Timeout: Fn;
  avGetAVApiVer: Fn;
  avInitialize: Fn;
  avDeInitialize: Fn;
  avClientStart2: Fn;
  avClientExit: Fn;
  avClientStop: Fn;
  avClientSetMaxBufSize: Fn;
  avClientCleanBuf: Fn;
  avSendIOCtrl: Fn;
  avSendIOCtrlExit: Fn;
  avRecvIOCtrl: Fn;
  avRecvFrameData2: Fn;
  avRecvAudioData: Fn;
  avCheckAudioBuf: Fn;
}

const IOTC_DECLS: Record<string, string> = {
  IOTC_Get_Version: 'void IOTC_Get_Version(_Out_ uint32_t *version)',
  IOTC_Initialize2: 'int IOTC_Initialize2(uint16_t udpPort)',
  IOTC_DeInitialize: 'int IOTC_DeInitialize()',
  IOTC_Set_Max_Session_Number: 'void IOTC_Set_Max_Session_Number(uint32_t n)',
  IOTC_Get_SessionID: 'int IOTC_Get_SessionID()',
  IOTC_Connect_ByUID_Parallel: 'int IOTC_Connect_ByUID_Parallel(const char *uid, int sid)',
  IOTC_Connect_Stop_BySID: 'int IOTC_Connect_Stop_BySID(int sid)',
  IOTC_Session_Check: 'int IOTC_Session_Check(int sid, _Out_ p2pcam_st_SInfo *info)',
  IOTC_Session_Close: 'void IOTC_Session_Close(int sid)',
  IOTC_Setup_LANConnection_Timeout: 'void IOTC_Setup_LANConnection_Timeout(uint32_t ms)',
  IOTC_Setup_P2PConnection_Timeout: 'void IOTC_Setup_P2PConnection_Timeout(uint32_t ms)',
};

// Out-scalars of the frame calls are plain pointers given typed-array views: koffi passes their
// memory in place, so the hot loop allocates nothing per call.
const AV_DECLS: Record<string, string> = {
  avGetAVApiVer: 'int avGetAVApiVer()',
  avInitialize: 'int avInitialize(int maxChannels)',
  avDeInitialize: 'int avDeInitialize()',
  avClientStart2: 'int avClientStart2(int sid, const char *account, const char *password, uint32_t timeoutSec, _Out_ uint32_t *servType, uint8_t channel, _Out_ int *resend)',
  avClientExit: 'void avClientExit(int sid, uint8_t channel)',
  avClientStop: 'void avClientStop(int avIndex)',
  avClientSetMaxBufSize: 'void avClientSetMaxBufSize(uint32_t kilobytes)',
  avClientCleanBuf: 'int avClientCleanBuf(int avIndex)',
  avSendIOCtrl: 'int avSendIOCtrl(int avIndex, uint32_t type, const uint8_t *data, int length)',
  avSendIOCtrlExit: 'int avSendIOCtrlExit(int avIndex)',
  avRecvIOCtrl: 'int avRecvIOCtrl(int avIndex, uint32_t *type, uint8_t *buf, int max, uint32_t timeoutMs)',
  avRecvFrameData2: 'int avRecvFrameData2(int avIndex, uint8_t *buf, int bufMax, int *outActual, int *outExpected, uint8_t *info, int infoMax, int *outInfoLen, uint32_t *outFrameNo)',
  avRecvAudioData: 'int avRecvAudioData(int avIndex, uint8_t *buf, int max, uint8_t *info, int infoMax, uint32_t *outFrameNo)',
  avCheckAudioBuf: 'int avCheckAudioBuf(int avIndex)',
};

/** Out-values of one avRecvFrameData2 / avRecvAudioData call, reused call after call. */
export class RecvOutputs {
  private readonly ints = new Int32Array(3);
  readonly actual = this.ints.subarray(0, 1);
  readonly expected = this.ints.subarray(1, 2);
  readonly infoLen = this.ints.subarray(2, 3);
  readonly frameNo = new Uint32Array(1);
}

export interface ClientStartResult {
  avIndex: number;
  servType: number;
  resend: number;
}

const loaded = new Map<string, TutkLibrary>();

/** Keeps the frame-call buffers alive until an .async call has returned, as koffi requires. */
function callAsync(fn: Fn, args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, result: number) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(result);
    });
  });
}

export class TutkLibrary {
  private initRefs = 0;
  private avChannels = 0;
  /** Set after the last release: calling into a de-initialised library can crash, so we refuse. */
  private finished = false;

  private constructor(readonly files: LibraryFiles, private readonly fn: Handles) {}

  /**
   * Checks the ELF header, then loads once per process: the split pair IOTC-first with
   * RTLD_GLOBAL (AV references IOTC symbols without a DT_NEEDED entry), or the combined library.
   */
  static load(files: LibraryFiles): TutkLibrary {
    const key = files.kind === 'all' ? files.all : `${files.iotc}|${files.av}`;
    const cached = loaded.get(key);
    if (cached) return cached;
    let iotcLib: Koffi.LibraryHandle;
    let avLib: Koffi.LibraryHandle;
    if (files.kind === 'all') {
      checkLibraryArchitecture(files.all);
      iotcLib = avLib = loadOrExplain(files.all, false);
    } else {
      checkLibraryArchitecture(files.iotc);
      checkLibraryArchitecture(files.av);
      iotcLib = loadOrExplain(files.iotc, true);
      avLib = loadOrExplain(files.av, false);
    }
    const fn = {} as Record<string, Fn>;
    for (const [name, decl] of Object.entries(IOTC_DECLS)) fn[name] = declare(iotcLib, name, decl);
    for (const [name, decl] of Object.entries(AV_DECLS)) fn[name] = declare(avLib, name, decl);
    const lib = new TutkLibrary(files, fn as unknown as Handles);
    loaded.set(key, lib);
    return lib;
  }

  get iotcVersion(): string {
    const out = [0];
    this.fn.IOTC_Get_Version(out);
    return unpackVersion(out[0]);
  }

  get avVersion(): string {
    return unpackVersion(this.fn.avGetAVApiVer());
  }

  get initialised(): boolean {
    return this.initRefs > 0;
  }

  /**
   * First user: IOTC_Initialize2(0) (−3, already initialised, counts as success) and
   * avInitialize(maxChannels). Later users only count. Returns the AV channel count.
   */
  acquire(maxChannels: number, timeouts?: { lanMs?: number; p2pMs?: number }): number {
    if (this.finished) throw new Error('the TUTK library was de-initialised in this process and cannot be used again');
    if (this.initRefs === 0) {
      const ret = this.fn.IOTC_Initialize2(0) as number;
      if (ret < 0 && ret !== IOTC_ER_ALREADY_INITIALIZED) throw new TutkError('IOTC_Initialize2', ret);
      const channels = this.fn.avInitialize(Math.max(1, Math.floor(maxChannels))) as number;
      if (channels < 0) {
        this.fn.IOTC_DeInitialize();
        throw new TutkError('avInitialize', channels);
      }
      this.avChannels = channels;
      if (timeouts?.lanMs !== undefined) this.fn.IOTC_Setup_LANConnection_Timeout(connectionPhaseMs(timeouts.lanMs));
      if (timeouts?.p2pMs !== undefined) this.fn.IOTC_Setup_P2PConnection_Timeout(connectionPhaseMs(timeouts.p2pMs));
    }
    this.initRefs++;
    return this.avChannels;
  }

  /** Last user: avDeInitialize, then IOTC_DeInitialize (that order, spec §1.4). */
  release(): void {
    if (this.initRefs === 0) return;
    this.initRefs--;
    if (this.initRefs > 0) return;
    this.fn.avDeInitialize();
    this.fn.IOTC_DeInitialize();
    this.finished = true;
  }

  getSessionId(): number {
    return this.fn.IOTC_Get_SessionID();
  }

  /** Blocks for seconds in the library: runs on koffi's worker pool. */
  connect(uid: string, sid: number): Promise<number> {
    return callAsync(this.fn.IOTC_Connect_ByUID_Parallel, [uid, sid]);
  }

  connectStop(sid: number): number {
    return this.fn.IOTC_Connect_Stop_BySID(sid);
  }

  /** Returns the session's path and peer, or the IOTC error code. */
  sessionCheck(sid: number): SessionInfo | number {
    const out: Record<string, unknown> = {};
    const ret = this.fn.IOTC_Session_Check(sid, out) as number;
    if (ret < 0) return ret;
    return {
      mode: modeName(Number(out.Mode)),
      uid: String(out.UID ?? ''),
      remoteIp: String(out.RemoteIP ?? ''),
      remotePort: Number(out.RemotePort),
      natType: Number(out.NatType),
      iotcVersion: unpackVersion(Number(out.IOTCVersion)),
    };
  }

  sessionClose(sid: number): void {
    this.fn.IOTC_Session_Close(sid);
  }

  async clientStart2(sid: number, account: string, password: string, timeoutSec: number, channel: number): Promise<ClientStartResult> {
    const servType = [0];
    const resend = [0];
    const avIndex = await callAsync(this.fn.avClientStart2, [sid, account, password, timeoutSec, servType, channel, resend]);
    return { avIndex, servType: servType[0], resend: resend[0] };
  }

  clientExit(sid: number, channel: number): void {
    this.fn.avClientExit(sid, channel);
  }

  clientStop(avIndex: number): void {
    this.fn.avClientStop(avIndex);
  }

  /** The AV client's receive buffer, in KB (spec §1.2: not bytes). Process-wide: set it before any client starts. */
  setMaxBufSize(kilobytes: number): void {
    this.fn.avClientSetMaxBufSize(Math.max(1, Math.min(Math.floor(kilobytes), MAX_BUF_KB)));
  }

  cleanBuf(avIndex: number): number {
    return this.fn.avClientCleanBuf(avIndex);
  }

  /** Blocks until the camera acknowledges: runs on koffi's worker pool. Serialise per channel. */
  sendIOCtrl(avIndex: number, type: number, body: Buffer): Promise<number> {
    return callAsync(this.fn.avSendIOCtrl, [avIndex, type, body, body.length]);
  }

  sendIOCtrlExit(avIndex: number): number {
    return this.fn.avSendIOCtrlExit(avIndex);
  }

  /** Non-blocking with timeoutMs 0. Returns the length (type in `type[0]`) or an error code. */
  recvIOCtrl(avIndex: number, type: Uint32Array, buf: Buffer, timeoutMs: number): number {
    return this.fn.avRecvIOCtrl(avIndex, type, buf, buf.length, timeoutMs);
  }

  recvFrame(avIndex: number, buf: Buffer, info: Buffer, out: RecvOutputs): number {
    return this.fn.avRecvFrameData2(avIndex, buf, buf.length, out.actual, out.expected, info, info.length, out.infoLen, out.frameNo);
  }

  recvAudio(avIndex: number, buf: Buffer, info: Buffer, out: RecvOutputs): number {
    return this.fn.avRecvAudioData(avIndex, buf, buf.length, info, info.length, out.frameNo);
  }

  checkAudioBuf(avIndex: number): number {
    return this.fn.avCheckAudioBuf(avIndex);
  }
}

/** A connection phase's time limit: 0 skips the phase, anything else is at least the library's 100 ms (spec §1.2). */
function connectionPhaseMs(ms: number): number {
  return ms <= 0 ? 0 : Math.min(Math.max(100, Math.floor(ms)), 0xffffffff);
}

export class TutkError extends Error {
  constructor(readonly call: string, readonly code: number) {
    super(`${call} failed: ${describeError(code)}`);
    this.name = 'TutkError';
  }
}

function loadOrExplain(file: string, global: boolean): Koffi.LibraryHandle {
  try {
    return koffi.load(file, { global });
  } catch (err) {
    const message = (err as Error).message;
    const order = /undefined symbol/.test(message) ? ' (libAVAPIs.so needs libIOTCAPIs.so loaded first, globally; put both in the same place)' : '';
    throw new Error(`cannot load the TUTK library ${file}: ${message}${order}`);
  }
}

function declare(lib: Koffi.LibraryHandle, name: string, decl: string): Fn {
  try {
    return lib.func(decl) as Fn;
  } catch (err) {
    throw new Error(`the TUTK library has no usable ${name} (${(err as Error).message}); is it the TUTK IOTC/AV SDK?`);
  }
}
