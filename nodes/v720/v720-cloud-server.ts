// v720-cloud-server: the frames, audio and events of one V720 camera (or of every camera) that
// a v720-cloud serves. Output 1: frame messages (JPEG video, A-law audio) per the frame
// contract; output 2: status messages (online, offline, Info changes, unsupported firmware,
// streaming). Each camera's stream starts with its first consumer and stops after the last.

import type { Subscription, HubStateInfo } from '../core/fanout-hub';
import type { FrameMessage } from '../core/frame';
import type { DoneFn, NodeDef, NodeMessage, RedAPI, RedNode, SendFn } from '../core/node-red-types';
import { RateMeter, SourceState, Status, StatusThrottle, statusMessage } from '../core/status';
import type { CameraEvent } from './camera-registry';
import type { V720CloudNode } from './v720-cloud-node';

interface ServerDef extends NodeDef {
  cloud: string;
  /** Device id; empty for every camera. */
  camera?: string;
  video?: boolean;
  audio?: boolean;
}

const ID = /^[A-Za-z0-9]{1,32}$/;

export = function register(RED: RedAPI): void {
  function V720CloudServerNode(this: RedNode, def: ServerDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const config = RED.nodes.getNode(def.cloud) as V720CloudNode | null;
    const only = String(def.camera ?? '').trim();
    const wantVideo = def.video !== false;
    const wantAudio = def.audio !== false;
    const status = new StatusThrottle((s) => node.status(s));
    const fps = new RateMeter();
    const subs = new Map<string, Subscription<FrameMessage>>();
    const states = new Map<string, SourceState>();
    let running = false;
    let closed = false;

    if (!config || !config.cloud) {
      status.set(Status.error('no cloud configured'));
      node.on('close', (_r: boolean, done: () => void) => {
        status.dispose();
        done();
      });
      return;
    }
    if (only && !ID.test(only)) {
      status.set(Status.error('bad camera id'));
      node.error(`"${only}" is not a V720 device id (letters and digits, up to 32)`);
    }
    const cloud = config.cloud;
    const nameOf = (uid: string) => (only && node.name ? node.name : uid);

    function announce(uid: string, state: SourceState, extra: Record<string, unknown> = {}): void {
      const previous = states.get(uid);
      states.set(uid, state);
      if (previous === state && extra.reason === undefined && extra.info === undefined) return;
      node.send([null, statusMessage(nameOf(uid), state, { camera: uid, ...extra })]);
      refreshStatus();
    }

    function refreshStatus(): void {
      if (!running) return status.set(Status.idle('stopped'));
      if (config!.failure) return status.set(Status.error('cloud not running'));
      const all = [...states.values()];
      if (only) {
        const cam = cloud.registry.get(only);
        if (cam && !cam.supported) return status.set(Status.error('unsupported firmware'));
        const state = states.get(only);
        if (state === 'streaming') return status.set(Status.streaming(fps.rate()));
        if (state === 'offline' && hubRetry !== undefined) return status.set(Status.offline(hubRetry));
        if (!cam || (!cam.online && !cam.mqtt)) return status.set(Status.connecting('waiting for camera'));
        return status.set(Status.connecting('starting stream'));
      }
      const streaming = all.filter((s) => s === 'streaming').length;
      if (streaming > 0) return status.set(Status.connected(`${streaming} streaming`));
      return status.set(Status.connecting(`${cloud.registry.list().filter((c) => c.online).length} online`));
    }
    let hubRetry: number | undefined;

    function deliver(uid: string, frame: FrameMessage): void {
      if (frame.frame.kind === 'video' ? !wantVideo : !wantAudio) return;
      if (frame.frame.kind === 'video') fps.add();
      const name = nameOf(uid);
      // The hub's message is shared by every consumer: send our own (shallow) copy.
      const msg: NodeMessage = name === frame.topic ? { ...frame } : { topic: name, payload: frame.payload, frame: { ...frame.frame, camera: name } };
      node.send([msg, null]);
    }

    function watch(uid: string): void {
      if (subs.has(uid) || closed) return;
      const camera = cloud.registry.get(uid);
      if (camera && !camera.supported) return;
      subs.set(uid, cloud.stream(uid).subscribe({
        deliver: (frame) => deliver(uid, frame),
        onState: (info: HubStateInfo) => {
          if (info.state === 'running') {
            hubRetry = undefined;
            announce(uid, 'streaming');
          } else if (info.state === 'waiting') {
            hubRetry = info.retryMs;
            announce(uid, 'offline', { reason: info.error?.message, retryMs: info.retryMs });
          }
        },
      }, { queueLimit: 30 }));
    }

    function start(): void {
      running = true;
      if (only) {
        if (ID.test(only)) watch(only);
      } else {
        for (const cam of cloud.registry.list()) if (cam.online) watch(cam.id);
      }
      refreshStatus();
    }

    function stop(): void {
      running = false;
      for (const sub of subs.values()) sub.close();
      subs.clear();
      if (only) announce(only, 'stopped');
      refreshStatus();
    }

    const onCamera = (event: CameraEvent) => {
      if (only && event.id !== only) return;
      switch (event.type) {
        case 'online':
          announce(event.id, 'online', { firmware: event.camera.firmware, address: event.camera.address });
          break;
        case 'offline':
          announce(event.id, 'offline', { reason: 'camera went offline' });
          break;
        case 'info':
          node.send([null, statusMessage(nameOf(event.id), states.get(event.id) ?? 'online', { camera: event.id, reason: 'info', info: event.camera.info })]);
          break;
        case 'unsupported':
          subs.get(event.id)?.close();
          subs.delete(event.id);
          announce(event.id, 'error', { reason: event.camera.reason, firmware: event.camera.firmware });
          break;
        case 'links':
          if (running && !only && event.camera.online) watch(event.id);
          break;
      }
      refreshStatus();
    };
    cloud.registry.on('camera', onCamera);
    const tick = setInterval(() => refreshStatus(), 1000);

    config.ready.then(() => {
      if (!closed) start();
    }, () => refreshStatus());

    node.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      const action = msg.action;
      if (action === 'stop') stop();
      else if (action === 'start') start();
      else if (action === 'restart') {
        for (const uid of subs.keys()) cloud.stream(uid).restart();
        if (!running) start();
      } else {
        done(new Error('v720-cloud-server takes msg.action = "start", "stop" or "restart"'));
        return;
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(tick);
      cloud.registry.off('camera', onCamera);
      for (const sub of subs.values()) sub.close();
      subs.clear();
      status.dispose();
      done();
    });
  }

  RED.nodes.registerType('v720-cloud-server', V720CloudServerNode);
};
