// Node-RED adapter of the frame assembler: byte chunks in (tcp-in, exec, file-in, an HTTP
// stream), one whole frame per message out on output 1, status messages on output 2.

import type { DoneFn, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../../core/node-red-types';
import { RateMeter, Status, StatusThrottle, statusMessage } from '../../core/status';
import { ASSEMBLER_MODES, AssemblerMode, DropCounts, PushResult, StreamAssembler, emptyDrops } from './frame-assembler-engine';

interface FrameAssemblerDef extends NodeDef {
  mode: AssemblerMode;
  boundary?: string;
  /** MiB */
  maxFrameSize?: number | string;
}

/** Drops are reported (status message and catchable error) at most this often. */
const REPORT_INTERVAL_MS = 1000;
const IDLE_AFTER_MS = 5000;

export = function register(RED: RedAPI): void {
  function FrameAssemblerNode(this: RedNode, def: FrameAssemblerDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const camera = def.name || def.id;
    const mode: AssemblerMode = ASSEMBLER_MODES.includes(def.mode) ? def.mode : 'mjpeg';
    if (mode !== def.mode) node.warn(`unknown stream type "${def.mode}", reading the stream as MJPEG`);
    const maxMiB = Number(def.maxFrameSize);
    const maxFrameBytes = Number.isFinite(maxMiB) && maxMiB > 0 ? Math.round(maxMiB * 1024 * 1024) : undefined;
    const assembler = new StreamAssembler({ mode, camera, maxFrameBytes, boundary: def.boundary?.trim() });
    const status = new StatusThrottle((s) => node.status(s));
    const fps = new RateMeter();
    let unreported: DropCounts = emptyDrops();
    let unreportedBytes = 0;
    let lastReportAt = 0;
    let lastFrameAt = 0;
    let lastDropAt = 0;
    let streaming = false;

    status.set(Status.idle(`waiting (${mode})`));

    const tick = setInterval(() => {
      try {
        refreshStatus(Date.now());
      } catch (err) {
        node.error(err);
      }
    }, REPORT_INTERVAL_MS);

    function refreshStatus(now: number): void {
      if (streaming && now - lastFrameAt > IDLE_AFTER_MS) {
        streaming = false;
        node.send([null, statusMessage(camera, 'stopped', { reason: 'no data', ...counters() })]);
      }
      if (now - lastDropAt < IDLE_AFTER_MS) status.set(Status.info(`dropped ${formatBytes(assembler.totals.droppedBytes)}`));
      else if (streaming) status.set(Status.streaming(fps.rate()));
      else if (lastFrameAt > 0) status.set(Status.idle());
    }

    function counters(): Record<string, unknown> {
      return { frames: assembler.totals.frames, droppedBytes: assembler.totals.droppedBytes, dropped: { ...assembler.totals.dropped } };
    }

    /** Sends the frames, then tells the flow about drops: at most one report per interval. */
    function deliver(result: PushResult, send: SendFn): Error | undefined {
      const now = Date.now();
      const out: (NodeMessage | null)[][] = [[], []];
      for (const frame of result.frames) {
        out[0].push(frame);
        fps.add();
      }
      if (result.frames.length > 0) {
        lastFrameAt = now;
        if (!streaming) {
          streaming = true;
          out[1].push(statusMessage(camera, 'streaming', counters()));
        }
      }
      let error: Error | undefined;
      if (result.droppedBytes > 0) {
        lastDropAt = now;
        unreportedBytes += result.droppedBytes;
        for (const reason of Object.keys(unreported) as (keyof DropCounts)[]) unreported[reason] += result.dropped[reason];
        if (now - lastReportAt >= REPORT_INTERVAL_MS) {
          lastReportAt = now;
          const reasons = describeDrops(unreported);
          out[1].push(statusMessage(camera, streaming ? 'streaming' : 'error', { reason: `dropped ${reasons}`, lastDroppedBytes: unreportedBytes, ...counters() }));
          error = new Error(`frame-assembler dropped ${unreportedBytes} bytes (${reasons}) from the ${mode} stream`);
          unreported = emptyDrops();
          unreportedBytes = 0;
        }
      }
      if (out[0].length > 0 || out[1].length > 0) send(out as unknown as NodeMessage[]);
      refreshStatus(now);
      return error;
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      try {
        if (msg.reset === true) {
          assembler.reset();
          streaming = false;
          status.set(Status.idle(`waiting (${mode})`));
        }
        const chunk = toBuffer(msg.payload);
        if (chunk === null) {
          const controlOnly = (msg.reset === true || msg.flush === true) && (msg.payload === undefined || msg.payload === null || msg.payload === '');
          if (controlOnly) {
            if (msg.flush === true) done(deliver(assembler.flush(), send));
            else done();
            return;
          }
          status.set(Status.error('input not a Buffer'));
          done(new Error(`frame-assembler needs a Buffer in msg.payload (got ${describeType(msg.payload)})`));
          return;
        }
        let error = deliver(assembler.push(chunk), send);
        if (msg.flush === true || isLastPart(msg)) error = deliver(assembler.flush(), send) ?? error;
        done(error);
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(tick);
      status.dispose();
      assembler.reset();
      done();
    });
  }

  RED.nodes.registerType('frame-assembler', FrameAssemblerNode);
};

function toBuffer(payload: unknown): Buffer | null {
  if (Buffer.isBuffer(payload)) return payload;
  // The exec node hands over stdout chunks that happen to be valid UTF-8 as strings; turning
  // them back into their UTF-8 bytes restores exactly what the program wrote.
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return null;
}

/** file-in in "a stream of Buffers" mode marks its last chunk with parts.count. */
function isLastPart(msg: NodeMessage): boolean {
  const parts = msg.parts as { index?: number; count?: number; type?: string } | undefined;
  return !!parts && parts.type === 'buffer' && typeof parts.count === 'number' && parts.index === parts.count - 1;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeDrops(drops: DropCounts): string {
  return (Object.entries(drops) as [string, number][]).filter(([, n]) => n > 0).map(([reason, n]) => `${n} ${reason}`).join(', ');
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
