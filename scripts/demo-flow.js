'use strict';
// The demo flow that `npm start` deploys. It grows with each protocol's simulator; every node
// here talks only to the simulators that scripts/start-demo.js runs on loopback.

function demoFlow({ testPattern }) {
  const z = 'p2pcam-demo';
  return [
    { id: z, type: 'tab', label: 'p2pcam demo', disabled: false, info: 'Runs without any camera: the simulators are started by `npm start`.' },
    {
      id: 'demo-comment-1', type: 'comment', z, x: 230, y: 40, wires: [],
      name: 'Test pattern camera → frame assembler',
      info: `A simulated camera serves a generated test pattern (a square moving over colour bars) on 127.0.0.1:${testPattern.tcpPort} as a raw MJPEG byte stream, and on http://127.0.0.1:${testPattern.httpPort}/video.mjpeg as multipart MJPEG.\n\nThe tcp in node reads the raw bytes in pieces cut anywhere; the frame assembler turns them into one JPEG per message. The second path asks for the HTTP stream over a plain TCP connection, so the assembler also sees the HTTP head and learns the multipart boundary from it.`,
    },
    {
      id: 'demo-tcp-in', type: 'tcp in', z, x: 130, y: 100, wires: [['demo-fa-mjpeg']],
      name: 'test pattern (raw MJPEG)', server: 'client', host: '127.0.0.1', port: String(testPattern.tcpPort),
      datamode: 'stream', datatype: 'buffer', newline: '', topic: '', trim: false, base64: false, tls: '',
    },
    {
      id: 'demo-fa-mjpeg', type: 'frame-assembler', z, x: 560, y: 100, wires: [['demo-debug-frames'], ['demo-debug-status']],
      name: 'test pattern', mode: 'mjpeg', boundary: '', maxFrameSize: 8,
    },
    {
      id: 'demo-inject-get', type: 'inject', z, x: 120, y: 180, wires: [['demo-tcp-request']],
      name: 'GET /video.mjpeg', props: [{ p: 'payload' }], repeat: '', crontab: '', once: true, onceDelay: '1', topic: '',
      payload: JSON.stringify('GET /video.mjpeg HTTP/1.0\r\n\r\n'), payloadType: 'json',
    },
    {
      id: 'demo-tcp-request', type: 'tcp request', z, x: 350, y: 180, wires: [['demo-fa-multipart']],
      name: 'test pattern (HTTP)', server: '127.0.0.1', port: String(testPattern.httpPort),
      out: 'sit', ret: 'buffer', splitc: '0', newline: '', trim: false, tls: '',
    },
    {
      id: 'demo-fa-multipart', type: 'frame-assembler', z, x: 600, y: 180, wires: [['demo-debug-frames'], ['demo-debug-status']],
      name: 'test pattern (HTTP)', mode: 'multipart', boundary: '', maxFrameSize: 8,
    },
    {
      id: 'demo-debug-frames', type: 'debug', z, x: 900, y: 120, wires: [],
      name: 'frames', active: false, tosidebar: true, console: false, tostatus: true,
      complete: 'frame', targetType: 'msg', statusVal: 'frame.seq', statusType: 'msg',
    },
    {
      id: 'demo-debug-status', type: 'debug', z, x: 920, y: 220, wires: [],
      name: 'status messages', active: true, tosidebar: true, console: false, tostatus: false,
      complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto',
    },
  ];
}

module.exports = { demoFlow };
