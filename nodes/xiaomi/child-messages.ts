// The control messages between Node-RED and a camera's child process (Node IPC, JSON, a few per
// second at most). Frames do not travel here: they use the binary pipe of frame-pipe.ts.
import type { FrameCodec } from '../core/frame';
import type { FrameInfoProfile } from './frame-info';
import type { LibraryFiles } from './library-location';
import type { SessionMode } from './tutk-binding';
import type { DropReason } from './tutk-session';
import type { ErrorClass } from './tutk-errors';

/** The child's stdio slot of the frame pipe (0–2 are std streams, 3 is Node's IPC channel). */
export const FRAME_PIPE_FD = 4;

/** The library's receive buffer ceiling (KB): 64 MB is far beyond any camera's second of video. */
export const MAX_BUF_KB = 64 * 1024;

/** Exit codes that tell the host what to do next. */
export const EXIT = {
  /** Stopped on request. */
  STOPPED: 0,
  /** Something the user must fix (credentials, UID, library): do not restart. */
  CONFIG: 78,
  /** The library could not initialise: restart the process once more, then give up. */
  INIT: 75,
  /** A bug or an unexpected exception: restart with backoff. */
  INTERNAL: 70,
} as const;

export interface ChildConfig {
  library: LibraryFiles;
  uid: string;
  account: string;
  password: string;
  channel: number;
  /** Hex of the START / AUDIOSTART body. */
  startPayloadHex: string;
  audio: boolean;
  frameInfoProfile: FrameInfoProfile;
  connectTimeoutMs: number;
  startTimeoutSec: number;
  ioctrlTimeoutMs: number;
  maxFrameBytes: number;
  /** How many AV channels avInitialize reserves. */
  maxChannels: number;
  /** IOTC_Setup_LANConnection_Timeout / _P2PConnection_Timeout (ms, 0 skips that phase); absent: the library's own. */
  lanTimeoutMs?: number;
  p2pTimeoutMs?: number;
  /** avClientSetMaxBufSize (KB), set before any client starts; absent: the library's own (1 MB). */
  maxBufKb?: number;
  /** Reconnect pacing inside the child (spec §2: 5 s doubling to 60 s). */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** Bytes waiting in the frame pipe beyond which frames are dropped (slow Node-RED). */
  pipeHighWaterBytes: number;
}

export type ParentMessage = { type: 'start'; config: ChildConfig } | { type: 'stop' };

export type ChildPhase = 'connecting' | 'starting' | 'online' | 'offline' | 'error';

export type ChildMessage =
  | { type: 'ready'; iotcVersion: string; avVersion: string; channels: number }
  | {
    type: 'phase';
    phase: ChildPhase;
    /** How long the child may block in the library before the phase changes: the watchdog's allowance. */
    expectMs?: number;
    retryMs?: number;
    code?: number;
    codeName?: string;
    errorClass?: ErrorClass;
    reason?: string;
  }
  | { type: 'session'; mode: SessionMode; remoteIp: string; remotePort: number; natType: number }
  | { type: 'firstFrame'; kind: 'video' | 'audio'; codecId: number; infoLen: number; infoHex: string; codec?: FrameCodec }
  | { type: 'drops'; counts: Partial<Record<DropReason, number>> }
  | { type: 'warning'; message: string }
  | { type: 'fatal'; code?: number; codeName?: string; errorClass: ErrorClass | 'library'; reason: string };

/** Everything but the camera's identity and the library, as the node's defaults. */
export const DEFAULT_CHILD_CONFIG: Omit<ChildConfig, 'library' | 'uid' | 'account' | 'password'> = {
  channel: 0,
  startPayloadHex: '7b7d',
  audio: true,
  frameInfoProfile: 'auto',
  connectTimeoutMs: 20_000,
  startTimeoutSec: 15,
  ioctrlTimeoutMs: 5_000,
  maxFrameBytes: 4 * 1024 * 1024,
  maxChannels: 4,
  reconnectInitialMs: 5_000,
  reconnectMaxMs: 60_000,
  pipeHighWaterBytes: 8 * 1024 * 1024,
};
