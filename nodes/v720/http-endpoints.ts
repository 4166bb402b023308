// The viewer endpoints: /v720/cameras, /v720/<id>/live.mjpeg, /snapshot.jpg and /audio.wav.
// Plain (req, res) handlers, mounted by the v720-cloud node on Node-RED's httpNode (so its
// httpNodeAuth applies), usable on any node:http server too. Every viewer is a consumer of the
// camera's one stream: a slow viewer loses frames, never stalls the camera or other viewers.

import type { IncomingMessage, ServerResponse } from 'http';
import type { FrameMessage } from '../core/frame';
import type { CameraRecord } from './camera-registry';
import type { FakeCloud } from './fake-cloud';

export const MJPEG_BOUNDARY = 'v720frame';
const ID = /^[A-Za-z0-9]{1,32}$/;
/** Frames a viewer may fall behind before it drops some. */
const VIEWER_QUEUE = 5;

/** Where the endpoints find cameras: the clouds currently deployed. */
export interface CloudDirectory {
  clouds(): Iterable<FakeCloud>;
}

export interface EndpointOptions {
  snapshotTimeoutMs?: number;
}

export function findCamera(directory: CloudDirectory, id: string): { cloud: FakeCloud; camera: CameraRecord } | null {
  if (!ID.test(id)) return null;
  for (const cloud of directory.clouds()) {
    const camera = cloud.registry.get(id);
    if (camera) return { cloud, camera };
  }
  return null;
}

export function listCameras(directory: CloudDirectory): CameraRecord[] {
  const out: CameraRecord[] = [];
  for (const cloud of directory.clouds()) out.push(...cloud.registry.list());
  return out;
}

/** Handles GET /v720/…; returns false for paths it does not serve. */
export function handleViewerRequest(directory: CloudDirectory, req: IncomingMessage, res: ServerResponse, options: EndpointOptions = {}): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/v720/cameras') {
    sendJson(res, 200, listCameras(directory));
    return true;
  }
  const m = /^\/v720\/([^/]{1,64})\/(live\.mjpeg|snapshot\.jpg|audio\.wav)$/.exec(path);
  if (!m) return false;
  const found = findCamera(directory, decodeURIComponentSafe(m[1]));
  if (!found) {
    sendJson(res, 404, { error: 'no such camera' });
    return true;
  }
  const { cloud, camera } = found;
  if (m[2] === 'live.mjpeg') serveMjpeg(cloud, camera.id, req, res);
  else if (m[2] === 'snapshot.jpg') serveSnapshot(cloud, camera.id, req, res, options.snapshotTimeoutMs ?? 10_000);
  else serveAudio(cloud, camera.id, req, res);
  return true;
}

function serveMjpeg(cloud: FakeCloud, id: string, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`,
    'Cache-Control': 'no-cache, no-store',
    Connection: 'close',
  });
  stream(cloud, id, req, res, 'video', (frame) => Buffer.concat([
    Buffer.from(`--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.payload.length}\r\n\r\n`, 'latin1'),
    frame.payload,
    Buffer.from('\r\n', 'latin1'),
  ]));
}

/**
 * A live WAV: the header is written with the first audio chunk, whose codec decides it (A-law
 * from most firmware, s16le PCM from firmware ≥202312111512); chunks of another codec after
 * that are left out, since one WAV has one format.
 */
function serveAudio(cloud: FakeCloud, id: string, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'audio/wav', 'Cache-Control': 'no-cache, no-store', Connection: 'close' });
  let codec: 'pcma' | 'pcm_s16le' | null = null;
  stream(cloud, id, req, res, 'audio', (frame) => {
    if (codec === null) {
      if (frame.frame.codec !== 'pcma' && frame.frame.codec !== 'pcm_s16le') return null;
      codec = frame.frame.codec;
      return Buffer.concat([wavHeader(codec), frame.payload]);
    }
    return frame.frame.codec === codec ? frame.payload : null;
  });
}

/** Subscribes the response to the camera's stream until the client goes away. */
function stream(cloud: FakeCloud, id: string, req: IncomingMessage, res: ServerResponse, kind: 'video' | 'audio', render: (f: FrameMessage) => Buffer | null): void {
  let sub: { close(): void } | null = null;
  const leave = () => {
    sub?.close();
    sub = null;
  };
  req.on('close', leave);
  res.on('close', leave);
  res.on('error', leave);
  try {
    sub = cloud.stream(id).subscribe({
      deliver: (frame) => {
        if (frame.frame.kind !== kind || res.destroyed) return;
        const bytes = render(frame);
        if (!bytes || res.write(bytes)) return;
        // Hold this viewer's queue until its socket drains (or it leaves).
        return new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      },
    }, { queueLimit: VIEWER_QUEUE });
  } catch {
    res.destroy(); // the cloud is closing
  }
}

function serveSnapshot(cloud: FakeCloud, id: string, req: IncomingMessage, res: ServerResponse, timeoutMs: number): void {
  let sub: { close(): void } | null = null;
  const finish = (status: number, body: Buffer | null) => {
    clearTimeout(timer);
    sub?.close();
    sub = null;
    if (res.headersSent || res.destroyed) return;
    if (body) {
      res.writeHead(status, { 'Content-Type': 'image/jpeg', 'Content-Length': body.length, 'Cache-Control': 'no-cache, no-store' });
      res.end(body);
    } else sendJson(res, status, { error: 'no frame from the camera in time' });
  };
  const timer = setTimeout(() => finish(504, null), timeoutMs);
  req.on('close', () => finish(499, null));
  try {
    sub = cloud.stream(id).subscribe({ deliver: (frame) => (frame.frame.kind === 'video' ? finish(200, frame.payload) : undefined) }, { queueLimit: 1 });
  } catch {
    finish(503, null);
  }
}

/**
 * A streaming WAV header, 8 kHz mono: G.711 A-law (format tag 6, 8 bits, spec §4.4) or s16le
 * PCM (format tag 1, 16 bits, §4.4 cmd 6).
 */
export function wavHeader(codec: 'pcma' | 'pcm_s16le'): Buffer {
  const bytesPerSample = codec === 'pcma' ? 1 : 2;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(0xffffffff, 4); // unknown length: a live stream
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(codec === 'pcma' ? 6 : 1, 20);
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000 * bytesPerSample, 28); // bytes per second
  h.writeUInt16LE(bytesPerSample, 32); // block align
  h.writeUInt16LE(8 * bytesPerSample, 34); // bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': text.length });
  res.end(text);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}
