// MJPEG over HTTP for JPEG sources: a multipart/x-mixed-replace stream (one part per frame, the
// form browsers, VLC, Frigate and go2rtc read) and the last frame as a snapshot. Each viewer is a
// FanoutHub consumer with a short queue: a viewer on a slow link skips frames (it always gets the
// newest) and never holds up the camera or the other viewers.
// Works on plain Node request/response objects, so the node can mount it on Node-RED's httpNode
// (behind httpNodeAuth and httpNodeMiddleware) and the tests on a bare HTTP server.

import type { IncomingMessage, ServerResponse } from 'http';
import type { Subscription } from '../../core/fanout-hub';
import type { OutFrame, StreamOut } from './stream-out-engine';

export interface MjpegHttpOptions {
  /** Viewers at once (default 10); more get 503. */
  maxClients?: number;
  /** Frames waiting per viewer before the oldest is dropped (default 2). */
  queueLimit?: number;
  /** A viewer whose connection does not drain for this long is cut off (default 30 s). */
  stallTimeoutMs?: number;
}

const BOUNDARY = 'p2pcamframe';
const CRLF = Buffer.from('\r\n');

interface Viewer {
  res: ServerResponse;
  subscription: Subscription<OutFrame> | null;
}

export class MjpegHttpStream {
  private readonly viewers = new Set<Viewer>();
  private readonly maxClients: number;
  private readonly queueLimit: number;
  private readonly stallTimeoutMs: number;
  private closed = false;
  private lastPart: { jpeg: Buffer; part: Buffer } | null = null;

  constructor(private readonly stream: StreamOut, options: MjpegHttpOptions = {}) {
    this.maxClients = options.maxClients ?? 10;
    this.queueLimit = options.queueLimit ?? 2;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  }

  get clientCount(): number {
    return this.viewers.size;
  }

  /** Frames dropped for slow viewers, over the current viewers. */
  get dropped(): number {
    let n = 0;
    for (const v of this.viewers) n += v.subscription?.dropped ?? 0;
    return n;
  }

  /** Frames dropped so far for each current viewer. */
  viewerDrops(): number[] {
    return [...this.viewers].map((v) => v.subscription?.dropped ?? 0);
  }

  /** GET …/stream.mjpeg */
  serveStream(_req: IncomingMessage, res: ServerResponse): void {
    const refusal = this.refusal();
    if (refusal) return plain(res, refusal.status, refusal.text);
    if (this.viewers.size >= this.maxClients) return plain(res, 503, 'too many MJPEG viewers');
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      Connection: 'close',
    });
    const viewer: Viewer = { res, subscription: null };
    this.viewers.add(viewer);
    res.on('close', () => this.drop(viewer));
    res.on('error', () => this.drop(viewer));
    // The newest picture at once, so a viewer never stares at nothing until the next frame.
    if (this.stream.lastJpeg) void this.writePart(viewer, this.stream.lastJpeg);
    viewer.subscription = this.stream.hub.subscribe(
      { deliver: (frame) => (frame.codec === 'jpeg' ? this.writePart(viewer, frame.payload) : undefined) },
      { queueLimit: this.queueLimit },
    );
  }

  /** GET …/snapshot.jpg */
  serveSnapshot(_req: IncomingMessage, res: ServerResponse): void {
    const refusal = this.refusal();
    if (refusal) return plain(res, refusal.status, refusal.text);
    const jpeg = this.stream.lastJpeg;
    if (!jpeg) {
      res.setHeader('Retry-After', '1');
      return plain(res, 503, 'no JPEG frame yet');
    }
    res.writeHead(200, {
      'Content-Type': 'image/jpeg',
      'Content-Length': jpeg.length,
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      'Last-Modified': new Date(this.stream.lastJpegAt).toUTCString(),
    });
    res.end(jpeg);
  }

  /** Ends every viewer's response; later requests get 503. */
  close(): void {
    this.closed = true;
    this.lastPart = null;
    for (const viewer of [...this.viewers]) {
      this.drop(viewer);
      viewer.res.end();
    }
  }

  private refusal(): { status: number; text: string } | null {
    if (this.closed) return { status: 503, text: 'stream closed' };
    const codec = this.stream.videoCodec;
    if (codec && codec !== 'jpeg') return { status: 415, text: `this stream is ${codec}: MJPEG needs JPEG frames (cam-snapshot can make them)` };
    return null;
  }

  private writePart(viewer: Viewer, jpeg: Buffer): void | Promise<void> {
    const res = viewer.res;
    if (res.destroyed || res.writableEnded) return;
    // One write of a buffer shared by every viewer: no per-viewer copy, and write()'s answer is
    // the socket's own (corked writes on Node 22 report true whatever is buffered).
    const ok = res.write(this.partOf(jpeg));
    if (ok) return;
    return new Promise((resolve) => {
      const stallTimer = setTimeout(() => res.destroy(), this.stallTimeoutMs);
      const wake = () => {
        clearTimeout(stallTimer);
        res.off('drain', wake);
        res.off('close', wake);
        resolve();
      };
      res.on('drain', wake);
      res.on('close', wake);
    });
  }

  /** The multipart part for a frame, made once for all viewers (the newest one is kept). */
  private partOf(jpeg: Buffer): Buffer {
    if (this.lastPart?.jpeg === jpeg) return this.lastPart.part;
    const head = Buffer.from(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`, 'latin1');
    const part = Buffer.concat([head, jpeg, CRLF]);
    this.lastPart = { jpeg, part };
    return part;
  }

  private drop(viewer: Viewer): void {
    if (!this.viewers.delete(viewer)) return;
    viewer.subscription?.close();
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}
