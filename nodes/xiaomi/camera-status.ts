// One camera's state as the nodes show it, folded from the fan-out hub's state and the child
// process's events: what the status message says (state, reason, error code and name, session
// path, drops) and the short text under the node.
import type { HubStateInfo } from '../core/fanout-hub';
import type { NodeStatusLike, SourceState } from '../core/status';
import { Status } from '../core/status';
import type { HostEvent } from './tutk-host';
import type { SessionMode } from './tutk-binding';

export interface CameraStatus {
  state: SourceState;
  reason?: string;
  code?: number;
  codeName?: string;
  /** LAN, P2P or relay, from IOTC_Session_Check. */
  mode?: SessionMode;
  retryMs?: number;
  /** Frames the child dropped, by reason, since the node started. */
  drops: Record<string, number>;
  /** Library versions, once the child has loaded it. */
  library?: { iotc: string; av: string };
}

/** Short texts for the errors users meet most; the status message carries the full reason. */
const SHORT: Record<number, string> = {
  [-20009]: 'wrong password',
  [-20024]: 'password too long',
  [-20023]: 'UID not allowed',
  [-10]: 'bad UID',
  [-46]: 'bad argument',
  [-40]: 'no permission',
};

export class CameraStatusTracker {
  private current: CameraStatus = { state: 'stopped', drops: {} };

  get status(): CameraStatus {
    return this.current;
  }

  /** Returns true when what the user sees changed. */
  onHub(info: HubStateInfo): boolean {
    switch (info.state) {
      case 'starting':
        if (this.current.state === 'error') return false; // a restart after an error shows its own connecting
        return this.set({ state: 'connecting' });
      case 'waiting':
        return this.set({ state: 'offline', reason: info.error?.message, retryMs: info.retryMs });
      case 'idle':
      case 'closed':
        return this.set({ state: 'stopped' });
      default:
        return false;
    }
  }

  onHost(event: HostEvent): boolean {
    switch (event.type) {
      case 'ready':
        this.current.library = { iotc: event.iotcVersion, av: event.avVersion };
        return false;
      case 'phase':
        if (event.phase === 'online') return this.set({ state: 'online', mode: this.current.mode });
        if (event.phase === 'offline') return this.set({ state: 'offline', reason: event.reason, code: event.code, codeName: event.codeName, retryMs: event.retryMs, mode: undefined });
        return this.current.state === 'connecting' ? false : this.set({ state: 'connecting' });
      case 'session': {
        const changed = this.current.mode !== event.mode;
        this.current.mode = event.mode;
        return changed;
      }
      case 'fatal':
        return this.set({ state: 'error', reason: event.reason, code: event.code, codeName: event.codeName });
      case 'drops':
        for (const [reason, n] of Object.entries(event.counts)) this.current.drops[reason] = (this.current.drops[reason] ?? 0) + (n ?? 0);
        return false;
      default:
        return false;
    }
  }

  private set(next: Omit<CameraStatus, 'drops' | 'library'>): boolean {
    const before = JSON.stringify({ ...this.current, drops: undefined, library: undefined });
    this.current = { ...next, drops: this.current.drops, library: this.current.library };
    return JSON.stringify({ ...this.current, drops: undefined, library: undefined }) !== before;
  }
}

/** The look under the node; `fps` is the node's own frame rate when frames are flowing. */
export function statusLook(s: CameraStatus, fps: number | null): NodeStatusLike {
  switch (s.state) {
    case 'connecting':
      return Status.connecting();
    case 'online':
    case 'streaming':
      if (fps !== null) return Status.streaming(fps);
      return Status.connected(s.mode ? `connected (${s.mode})` : 'connected');
    case 'offline':
      return Status.offline(s.retryMs);
    case 'error':
      return Status.error(shortReason(s));
    default:
      return Status.idle('stopped');
  }
}

function shortReason(s: CameraStatus): string {
  if (s.code !== undefined && SHORT[s.code]) return SHORT[s.code];
  const reason = s.reason ?? '';
  if (/no TUTK library found/.test(reason)) return 'library missing';
  if (/but this Node-RED runs/.test(reason)) return 'library arch wrong';
  if (/cannot (read|load) the TUTK library/.test(reason)) return 'library unusable';
  if (/Initialize/.test(reason)) return 'library init failed';
  if (/not configured|no UID/.test(reason)) return 'not configured';
  return s.codeName ? s.codeName.replace(/^(IOTC|AV)_ER_/, '').toLowerCase() : 'error';
}
