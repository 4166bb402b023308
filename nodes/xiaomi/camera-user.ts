// What a xiaomi-p2p-in node sees of its xiaomi-p2p-camera config node (types only).
import type { Subscription } from '../core/fanout-hub';
import type { FrameMessage } from '../core/frame';
import type { RedNode } from '../core/node-red-types';
import type { CameraStatus } from './camera-status';
import type { HostEvent } from './tutk-host';

export interface CameraCredentials {
  account: string;
  password: string;
  token: string;
}

/** What an xiaomi-p2p-in node hands to its camera. */
export interface CameraUser {
  deliver(frame: FrameMessage): void;
  onStatus(status: CameraStatus, event?: HostEvent): void;
}

export interface CameraConfigNode extends RedNode<CameraCredentials> {
  cameraName: string;
  attach(user: CameraUser): Subscription<FrameMessage> | null;
  restart(): void;
  readonly cameraStatus: CameraStatus;
}
