'use strict';
// The demo flow that `npm start` deploys. It grows with each protocol's simulator; every node
// here talks only to the simulators that scripts/start-demo.js runs on loopback.

function debugNode(id, z, x, y, name, property, statusVal, active = true) {
  return {
    id, type: 'debug', z, x, y, wires: [], name, active, tosidebar: true, console: false, tostatus: true,
    complete: property, targetType: 'msg', statusVal, statusType: 'msg',
  };
}

/** Test-pattern camera → frame assembler → motion → snapshots, served over RTSP and MJPEG. */
function mediaTab({ testPattern, rtspPort, editorPort }) {
  const z = 'demo-media';
  return [
    { id: z, type: 'tab', label: 'frames, motion, RTSP', disabled: false, info: 'Runs without any camera: the simulators are started by `npm start`.' },
    {
      id: 'demo-comment-1', type: 'comment', z, x: 250, y: 40, wires: [],
      name: 'Test pattern camera → frame assembler → motion, snapshots, RTSP',
      info: `A simulated camera serves a generated test pattern (a square that crosses the picture, then rests) on 127.0.0.1:${testPattern.tcpPort} as a raw MJPEG byte stream, and on http://127.0.0.1:${testPattern.httpPort}/video.mjpeg as multipart MJPEG.\n\nThe tcp in node reads the raw bytes in pieces cut anywhere; the frame assembler turns them into one JPEG per message. cam-motion fires a motion start when the square moves and an end when it rests; cam-snapshot turns each event's frame into a snapshot.\n\ncam-stream-out serves the stream: open rtsp://127.0.0.1:${rtspPort}/testpattern in VLC or ffplay, or http://127.0.0.1:${editorPort}/testpattern/stream.mjpeg in a browser.\n\nThe second path asks for the HTTP stream over a plain TCP connection, so its assembler also sees the HTTP head and learns the multipart boundary from it.`,
    },
    {
      id: 'demo-tcp-in', type: 'tcp in', z, x: 150, y: 100, wires: [['demo-fa-mjpeg']],
      name: 'test pattern (raw MJPEG)', server: 'client', host: '127.0.0.1', port: String(testPattern.tcpPort),
      datamode: 'stream', datatype: 'buffer', newline: '', topic: '', trim: false, base64: false, tls: '',
    },
    {
      id: 'demo-fa-mjpeg', type: 'frame-assembler', z, x: 400, y: 100, wires: [['demo-motion', 'demo-stream-out'], ['demo-debug-status']],
      name: 'test pattern', mode: 'mjpeg', boundary: '', maxFrameSize: 8,
    },
    {
      id: 'demo-motion', type: 'cam-motion', z, x: 600, y: 80, wires: [['demo-snapshot', 'demo-debug-motion']],
      name: '', sensitivity: 50, minArea: 1, cooldown: 2, mask: '', ffmpegPath: '',
    },
    {
      id: 'demo-snapshot', type: 'cam-snapshot', z, x: 790, y: 60, wires: [['demo-debug-snapshot']],
      name: '', mode: 'each', interval: 10, rate: 1, maxWidth: 0, httpPath: '/demo', ffmpegPath: '',
    },
    debugNode('demo-debug-snapshot', z, 990, 60, 'snapshots', 'snapshot', 'snapshot.width'),
    debugNode('demo-debug-motion', z, 800, 120, 'motion events', 'motion', 'motion.event'),
    {
      id: 'demo-stream-out', type: 'cam-stream-out', z, x: 620, y: 160, wires: [],
      name: 'RTSP and MJPEG', path: 'testpattern', rtsp: true, port: rtspPort, host: '127.0.0.1', maxClients: 10, queue: 60, http: true,
    },
    {
      id: 'demo-inject-get', type: 'inject', z, x: 140, y: 240, wires: [['demo-tcp-request']],
      name: 'GET /video.mjpeg', props: [{ p: 'payload' }], repeat: '', crontab: '', once: true, onceDelay: '1', topic: '',
      payload: JSON.stringify('GET /video.mjpeg HTTP/1.0\r\n\r\n'), payloadType: 'json',
    },
    {
      id: 'demo-tcp-request', type: 'tcp request', z, x: 360, y: 240, wires: [['demo-fa-multipart']],
      name: 'test pattern (HTTP)', server: '127.0.0.1', port: String(testPattern.httpPort),
      out: 'sit', ret: 'buffer', splitc: '0', newline: '', trim: false, tls: '',
    },
    {
      id: 'demo-fa-multipart', type: 'frame-assembler', z, x: 600, y: 240, wires: [['demo-debug-frames'], ['demo-debug-status']],
      name: 'test pattern (HTTP)', mode: 'multipart', boundary: '', maxFrameSize: 8,
    },
    debugNode('demo-debug-frames', z, 850, 220, 'frames', 'frame', 'frame.seq', false),
    { ...debugNode('demo-debug-status', z, 860, 280, 'status messages', 'payload', ''), tostatus: false, statusType: 'auto' },
  ];
}

/** Simulated V720 cameras registering with the fake cloud inside Node-RED. */
function v720Tab({ v720, editorPort }) {
  const z = 'demo-v720';
  return [
    { id: z, type: 'tab', label: 'V720 cameras', disabled: false, info: '' },
    {
      id: 'demo-v720-comment', type: 'comment', z, x: 230, y: 40, wires: [],
      name: 'Two simulated V720 cameras → the fake cloud',
      info: `The v720-cloud node runs the Naxclow cloud on loopback (HTTP ${v720.httpPort}, TCP/UDP ${v720.tcpPort}, MQTT ${v720.mqttPort}); npm start runs two simulated cameras against it.\n\nThe cameras are listed at http://127.0.0.1:${editorPort}/v720/cameras, and each one's live view is at http://127.0.0.1:${editorPort}/v720/<id>/live.mjpeg. The inject node asks the first camera to turn its light on.`,
    },
    {
      id: 'demo-v720-server', type: 'v720-cloud-server', z, x: 160, y: 100, wires: [['demo-v720-frames'], ['demo-v720-events']],
      name: 'all cameras', cloud: 'demo-v720-cloud', camera: '', video: true, audio: false,
    },
    debugNode('demo-v720-frames', z, 400, 80, 'V720 frames', 'frame', 'frame.seq', false),
    { ...debugNode('demo-v720-events', z, 400, 120, 'V720 events', 'payload', ''), tostatus: false, statusType: 'auto' },
    {
      id: 'demo-v720-cloud', type: 'v720-cloud', name: 'demo cloud', advertisedHost: '127.0.0.1', bindHost: '127.0.0.1',
      httpPort: String(v720.httpPort), tcpPort: String(v720.tcpPort), mqttMode: 'embedded', mqttPort: String(v720.mqttPort), brokerUrl: '',
    },
  ];
}

/** The simulated Yi camera answering commands. */
function ambaTab({ amba }) {
  const z = 'demo-amba';
  const command = (id, y, topic, payload) => ({
    id, type: 'inject', z, x: 150, y, wires: [['demo-amba-rpc']], name: topic,
    props: [{ p: 'topic', vt: 'str' }, { p: 'payload' }], repeat: '', crontab: '', once: topic === 'deviceInfo', onceDelay: '2',
    topic, payload: payload === undefined ? '' : JSON.stringify(payload), payloadType: payload === undefined ? 'str' : 'json',
  });
  return [
    { id: z, type: 'tab', label: 'Yi camera', disabled: false, info: '' },
    {
      id: 'demo-amba-comment', type: 'comment', z, x: 220, y: 40, wires: [],
      name: 'A simulated Yi camera answering commands',
      info: `npm start runs a simulated Xiaomi Yi camera (Ambarella JSON RPC on 127.0.0.1:${amba.controlPort}, data port ${amba.dataPort}), replaying what real cameras answered. Click the inject buttons: replies come out of the first output, camera events (photo taken, settings changed) out of the second.`,
    },
    command('demo-amba-info', 100, 'deviceInfo'),
    command('demo-amba-battery', 140, 'battery'),
    command('demo-amba-photo', 180, 'takePhoto'),
    command('demo-amba-setting', 220, 'getSetting', { name: 'video_resolution' }),
    {
      id: 'demo-amba-rpc', type: 'amba-rpc', z, x: 380, y: 160, wires: [['demo-amba-replies'], ['demo-amba-events']],
      name: 'Yi camera', camera: 'demo-amba-camera', awaitEvent: false, eventTimeout: 15,
    },
    debugNode('demo-amba-replies', z, 580, 140, 'replies', 'payload', 'topic'),
    { ...debugNode('demo-amba-events', z, 580, 180, 'events', 'payload', ''), tostatus: false, statusType: 'auto' },
    {
      id: 'demo-amba-camera', type: 'amba-camera', name: 'simulated Yi', host: '127.0.0.1', controlPort: amba.controlPort, dataPort: amba.dataPort,
      model: 'auto', keepalive: 20, timeout: 5, takeover: 'keep', maxDownload: 256,
    },
  ];
}

/** A Xiaomi camera behind the fake TUTK library (built with gcc on start, when gcc is there). */
function xiaomiTab({ xiaomi }) {
  if (!xiaomi) return [];
  const z = 'demo-xiaomi';
  return [
    { id: z, type: 'tab', label: 'Xiaomi camera', disabled: false, info: '' },
    {
      id: 'demo-xiaomi-comment', type: 'comment', z, x: 230, y: 40, wires: [],
      name: 'A Xiaomi camera through a stand-in TUTK library',
      info: `The camera node loads a fake of the vendor's TUTK library (built from sim/xiaomi/fake-tutk by npm start) from ${xiaomi.dir}, in a child process, exactly as it loads the real one. It streams a small generated H.264 picture. With a real camera, point the node at your own copy of the library and enter the camera's UID and AV password.`,
    },
    {
      id: 'demo-xiaomi-in', type: 'xiaomi-p2p-in', z, x: 170, y: 100, wires: [['demo-xiaomi-video'], ['demo-xiaomi-audio'], ['demo-xiaomi-status']],
      name: '', camera: 'demo-xiaomi-camera',
    },
    debugNode('demo-xiaomi-video', z, 400, 80, 'video', 'frame', 'frame.seq', false),
    debugNode('demo-xiaomi-audio', z, 400, 120, 'audio', 'frame', 'frame.codec', false),
    { ...debugNode('demo-xiaomi-status', z, 410, 160, 'status', 'payload', ''), tostatus: false, statusType: 'auto' },
    {
      id: 'demo-xiaomi-camera', type: 'xiaomi-p2p-camera', name: 'fake Xiaomi', uid: 'DEMOFAKETUTK00000001', libPath: xiaomi.dir,
      startPayload: 'json-empty', customPayload: '', frameInfoProfile: 'auto', channel: 0, audio: true, connectTimeout: 20, watchdog: 15, ip: '',
    },
  ];
}

/** A Dahua camera reached by serial number through the simulated Easy4IP cloud. */
function dahuaTab({ dahua, dahuaTunnelPort }) {
  const z = 'demo-dahua';
  return [
    { id: z, type: 'tab', label: 'Dahua P2P', disabled: false, info: '' },
    {
      id: 'demo-dahua-comment', type: 'comment', z, x: 230, y: 40, wires: [],
      name: 'A Dahua camera by serial number, as a local RTSP URL',
      info: `npm start runs a simulated Easy4IP cloud (P2P server, relay, agent) and a device with serial ${dahua.serial} on loopback. The tunnel node finds the device through the cloud, punches through to it over UDP (PTCP), and serves its RTSP port on rtsp://127.0.0.1:${dahuaTunnelPort}/cam/realmonitor?channel=1&subtype=0 — open it in VLC or ffplay. The status messages show the path (direct or relay), round-trip time and throughput.`,
    },
    {
      id: 'demo-dahua-tunnel', type: 'dahua-ptcp-tunnel', z, x: 170, y: 100, wires: [['demo-dahua-status']],
      name: 'camera RTSP', device: 'demo-dahua-device', bindAddress: '127.0.0.1', port: String(dahuaTunnelPort), remotePort: '554', statsInterval: '5',
    },
    { ...debugNode('demo-dahua-status', z, 400, 100, 'tunnel status', 'payload', ''), tostatus: false, statusType: 'auto' },
    {
      id: 'demo-dahua-device', type: 'dahua-p2p-device', name: 'simulated Dahua', serial: dahua.serial, cloudHost: dahua.cloud.host, cloudPort: String(dahua.cloud.port),
      mode: 'auto', auth: 'auto', udpBind: '127.0.0.1', timeout: '10',
    },
  ];
}

function demoFlow(sims) {
  return [...mediaTab(sims), ...v720Tab(sims), ...ambaTab(sims), ...xiaomiTab(sims), ...dahuaTab(sims)];
}

/** Credentials of the demo's config nodes (the demo stores them unencrypted, it is a throw-away). */
function demoCredentials({ xiaomi }) {
  return {
    'demo-dahua-device': { username: 'admin', password: 'admin123' },
    ...(xiaomi ? { 'demo-xiaomi-camera': { account: 'admin', password: '888888' } } : {}),
  };
}

module.exports = { demoFlow, demoCredentials };
