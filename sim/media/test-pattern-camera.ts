// A stand-in camera for the demo and the tests: it serves a generated test pattern as a raw MJPEG
// byte stream over TCP (what tcp-in or `nc` would read) and as multipart/x-mixed-replace over
// HTTP (what browsers and IP cameras use). Frames are only encoded while someone watches: every
// viewer is a consumer of one FanoutHub, so a slow viewer loses frames and never stalls others.

import * as http from 'http';
import * as net from 'net';
import { FanoutHub, Subscription } from '../../nodes/core/fanout-hub';
import { TestPattern, TestPatternOptions } from './test-pattern';
import { closeServer, listenTcp } from '../../nodes/core/listening';

export interface TestPatternCameraOptions extends TestPatternOptions {
  host?: string;
  /** Raw MJPEG over TCP; 0 picks a free port. */
  tcpPort?: number;
  /** multipart MJPEG over HTTP at /video.mjpeg; 0 picks a free port. */
  httpPort?: number;
  fps?: number;
}

export interface TestPatternCamera {
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly framesEncoded: number;
  close(): Promise<void>;
}

const BOUNDARY = 'testpattern';

export async function startTestPatternCamera(options: TestPatternCameraOptions = {}): Promise<TestPatternCamera> {
  const host = options.host ?? '127.0.0.1';
  const pattern = new TestPattern(options);
  const intervalMs = 1000 / (options.fps ?? 10);
  let frameNumber = 0;
  let timer: NodeJS.Timeout | null = null;
  const hub = new FanoutHub<Buffer>({
    start(sink) {
      sink.up();
      timer = setInterval(() => sink.emit(pattern.jpeg(frameNumber++)), intervalMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  });

  const sockets = new Set<net.Socket>();
  const watch = (socket: net.Socket, write: (jpeg: Buffer) => boolean): void => {
    sockets.add(socket);
    const leave = () => {
      sub?.close();
      sockets.delete(socket);
    };
    socket.on('close', leave);
    socket.on('error', leave);
    let sub: Subscription<Buffer> | undefined;
    try {
      // A write that is not taken at once holds this viewer's queue until the socket drains.
      sub = hub.subscribe({ deliver: (jpeg) => (write(jpeg) ? undefined : new Promise<void>((resolve) => socket.once('drain', resolve))) }, { queueLimit: 5 });
    } catch {
      socket.destroy(); // closing down
    }
  };

  const tcp = net.createServer((socket) => watch(socket, (jpeg) => socket.write(jpeg)));
  const web = http.createServer((req, res) => {
    if (req.url === '/video.mjpeg') {
      res.writeHead(200, { 'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, 'Cache-Control': 'no-cache' });
      watch(req.socket, (jpeg) => res.write(Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`), jpeg, Buffer.from('\r\n')])));
    } else if (req.url === '/snapshot.jpg') {
      const jpeg = pattern.jpeg(frameNumber);
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length });
      res.end(jpeg);
    } else {
      res.writeHead(404).end();
    }
  });
  web.on('connection', (socket) => sockets.add(socket));

  const tcpPort = await listenTcp(tcp, options.tcpPort ?? 0, host);
  const httpPort = await listenTcp(web, options.httpPort ?? 0, host);
  for (const server of [tcp, web]) server.on('error', () => undefined); // a failed accept (EMFILE) only

  return {
    tcpPort,
    httpPort,
    get framesEncoded() {
      return frameNumber;
    },
    close: async () => {
      const closed = [tcp, web].map(closeServer);
      for (const s of sockets) s.destroy();
      hub.close();
      await Promise.all(closed);
    },
  };
}
