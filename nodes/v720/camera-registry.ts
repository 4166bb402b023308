// What the fake cloud knows about each camera, keyed by device id (uid) — never by socket,
// because cameras drop and re-register their TCP link on their own (spec §3.2). Every user
// node and every HTTP endpoint reads the same registry.

import { EventEmitter } from 'events';

export interface CameraRecord {
  id: string;
  firmware?: string;
  /** IP address the camera's registration link comes from. */
  address?: string;
  /** Registered on the TCP link (needed for live view and 301 commands). */
  online: boolean;
  /** Connected to MQTT (Status 1 seen, no Status 0 or will since). */
  mqtt: boolean;
  /** Host clock (ms) of the last packet or publish from the camera. */
  lastSeen: number;
  /** The last MQTT Info publish: an open key/value bag. */
  info: Record<string, unknown> | null;
  /** The last base info (301 content code 4). */
  baseInfo: Record<string, unknown> | null;
  /** How the cloud reaches it: registered in station mode (default), or over its own hotspot. */
  mode?: 'sta' | 'ap';
  /** False when the firmware is known not to work with this cloud; `reason` says why. */
  supported: boolean;
  reason?: string;
}

export type CameraEventType = 'online' | 'offline' | 'info' | 'unsupported' | 'links';

export interface CameraEvent {
  type: CameraEventType;
  id: string;
  camera: CameraRecord;
}

/** Firmware from 202411201737 on skips the TCP registration that live view needs (a9-v720 README, #50, #51). */
const FIRST_UNSUPPORTED_FIRMWARE = '202411201737';

export function firmwareSupport(firmware: string | undefined): { supported: boolean; reason?: string } {
  if (!firmware || !/^\d{12}$/.test(firmware)) return { supported: true };
  if (firmware >= FIRST_UNSUPPORTED_FIRMWARE) return { supported: false, reason: `firmware ${firmware} does not register for live view` };
  return { supported: true };
}

export class CameraRegistry extends EventEmitter {
  private readonly cameras = new Map<string, CameraRecord>();

  constructor(private readonly maxCameras = 256, private readonly now: () => number = Date.now) {
    super();
  }

  get(id: string): CameraRecord | undefined {
    const c = this.cameras.get(id);
    return c ? { ...c } : undefined;
  }

  has(id: string): boolean {
    return this.cameras.has(id);
  }

  list(): CameraRecord[] {
    return [...this.cameras.values()].map((c) => ({ ...c })).sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Creates or updates a camera. Returns false (and changes nothing) when the registry is full
   * of other cameras, so a flood of invented ids cannot grow memory without bound.
   */
  update(id: string, patch: Partial<Omit<CameraRecord, 'id'>>): boolean {
    let camera = this.cameras.get(id);
    if (!camera) {
      if (this.cameras.size >= this.maxCameras) return false;
      camera = { id, online: false, mqtt: false, lastSeen: this.now(), info: null, baseInfo: null, supported: true };
      this.cameras.set(id, camera);
    }
    const was = { ...camera };
    Object.assign(camera, patch, { lastSeen: this.now() });
    if (patch.firmware !== undefined && patch.supported === undefined) {
      const support = firmwareSupport(patch.firmware);
      camera.supported = support.supported;
      camera.reason = support.reason;
    }
    this.announce(was, camera, patch);
    return true;
  }

  private announce(was: CameraRecord, now: CameraRecord, patch: Partial<CameraRecord>): void {
    const reachable = (c: CameraRecord) => c.online || c.mqtt;
    if (!reachable(was) && reachable(now)) this.tell('online', now);
    if (reachable(was) && !reachable(now)) this.tell('offline', now);
    if (was.supported && !now.supported) this.tell('unsupported', now);
    if (patch.info !== undefined && patch.info !== null) this.tell('info', now);
    if (was.online !== now.online || was.mqtt !== now.mqtt) this.tell('links', now);
  }

  private tell(type: CameraEventType, camera: CameraRecord): void {
    const event: CameraEvent = { type, id: camera.id, camera: { ...camera } };
    // A listener that throws must not break the protocol code that updated the registry.
    for (const listener of this.listeners('camera')) {
      try {
        (listener as (e: CameraEvent) => void)(event);
      } catch {
        /* listeners report their own errors */
      }
    }
  }
}
