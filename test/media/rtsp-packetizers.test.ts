import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as jpeg from 'jpeg-js';
import { splitAnnexB } from '../../nodes/media/h26x/nal-units';
import { G711Packetizer } from '../../nodes/media/rtp/rtp-g711-packetizer';
import { H264Packetizer } from '../../nodes/media/rtp/rtp-h264-packetizer';
import { H265Packetizer } from '../../nodes/media/rtp/rtp-h265-packetizer';
import { JpegPacketizer } from '../../nodes/media/rtp/rtp-jpeg-packetizer';
import { MAX_RTP_PAYLOAD_BYTES, PacketizeResult, RtpPayload } from '../../nodes/media/rtp/rtp-packet';
import { seededRandom, testStream } from '../support/ffmpeg';
import { framesOfFile } from './frame-feed';
import { mjpegFrames } from './media-fixtures';
import { depacketizeH264, depacketizeH265, depacketizeJpeg } from './rtp-depacketize';

function payloadsOf(result: PacketizeResult): RtpPayload[] {
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.payloads;
}

function assertPacketShape(payloads: RtpPayload[]): void {
  assert.ok(payloads.length > 0);
  payloads.forEach((p, i) => {
    assert.ok(p.prefix.length + p.body.length <= MAX_RTP_PAYLOAD_BYTES, 'fits in one datagram');
    assert.equal(p.marker, i === payloads.length - 1, 'marker on the last packet only');
  });
}

function framesOf(file: string, mode: 'h264' | 'h265'): { payload: Buffer; keyframe: boolean }[] {
  return framesOfFile(file, mode, 'test').map((f) => ({ payload: f.payload, keyframe: f.frame.keyframe }));
}

function nal(type: number, size: number, fill = 0xab): Buffer {
  const b = Buffer.alloc(size, fill);
  b[0] = type;
  return b;
}

const SC = Buffer.from([0, 0, 0, 1]);

describe('H.264 packetizer (RFC 6184)', () => {
  it('sends small NAL units whole and cuts a large one into FU-A fragments', () => {
    const sps = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80]);
    const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
    const idr = nal(0x65, 3000);
    const p = new H264Packetizer();
    const payloads = payloadsOf(p.packetize(Buffer.concat([SC, sps, Buffer.from([0, 0, 1]), pps, SC, idr])));
    assertPacketShape(payloads);
    assert.deepEqual(payloads[0].body, sps);
    assert.deepEqual(payloads[1].body, pps);
    const fus = payloads.slice(2);
    assert.equal(fus.length, 3, '2999 bytes after the NAL header in 1386-byte pieces');
    assert.deepEqual(fus.map((f) => [...f.prefix]), [[0x7c, 0x85], [0x7c, 0x05], [0x7c, 0x45]]);
    assert.deepEqual(Buffer.concat(fus.map((f) => f.body)), idr.subarray(1));
    assert.equal(p.fmtp(), `packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`);
  });

  it('refuses a keyframe without SPS/PPS until it has seen them, then puts them back in front', () => {
    const p = new H264Packetizer();
    const bare = Buffer.concat([SC, nal(0x65, 100)]);
    const refused = p.packetize(bare);
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.error, /SPS\/PPS/);
    payloadsOf(p.packetize(Buffer.concat([SC, nal(0x67, 8), SC, nal(0x68, 4), SC, nal(0x65, 50)])));
    const units = depacketizeH264(payloadsOf(p.packetize(bare)));
    assert.deepEqual(units.map((u) => u[0] & 0x1f), [7, 8, 5]);
    assert.deepEqual(depacketizeH264(payloadsOf(p.packetize(Buffer.concat([SC, nal(0x41, 60)])))).length, 1, 'P-frames go as they are');
  });

  it('refuses what is not Annex-B or is corrupt', () => {
    const p = new H264Packetizer();
    assert.equal(p.packetize(Buffer.from([1, 2, 3, 4, 5])).ok, false);
    assert.equal(p.packetize(Buffer.alloc(0)).ok, false);
    assert.equal(p.packetize(Buffer.concat([SC, Buffer.from([0xe5, 1, 2])])).ok, false, 'forbidden bit');
    assert.equal(p.packetize(Buffer.from([0, 0, 0, 1])).ok, false, 'no NAL units');
  });

  it('round-trips every frame of an ffmpeg stream', () => {
    const frames = framesOf(testStream({ kind: 'h264', size: '640x480', seconds: 2 }), 'h264');
    const p = new H264Packetizer();
    let fragmented = 0;
    for (const frame of frames) {
      const payloads = payloadsOf(p.packetize(frame.payload));
      assertPacketShape(payloads);
      fragmented += payloads.filter((x) => x.prefix.length === 2).length;
      const expected = splitAnnexB(frame.payload)!.filter((u) => (u[0] & 0x1f) !== 0);
      assert.deepEqual(depacketizeH264(payloads), expected);
    }
    assert.ok(fragmented > 0, 'the keyframes needed FU-A');
    assert.match(p.fmtp(), /sprop-parameter-sets=Z/);
  });
});

describe('H.265 packetizer (RFC 7798)', () => {
  it('cuts a large NAL unit into FUs that keep the layer and temporal id', () => {
    const vps = Buffer.from([0x40, 0x01, 0x0c]);
    const sps = Buffer.from([0x42, 0x01, 0x01]);
    const pps = Buffer.from([0x44, 0x01, 0xc1]);
    const idr = Buffer.alloc(2000, 0x5a);
    idr[0] = 0x26; // IDR_W_RADL (19)
    idr[1] = 0x01;
    const p = new H265Packetizer();
    const payloads = payloadsOf(p.packetize(Buffer.concat([SC, vps, SC, sps, SC, pps, SC, idr])));
    assertPacketShape(payloads);
    const fus = payloads.slice(3);
    assert.deepEqual(fus.map((f) => [...f.prefix]), [[0x62, 0x01, 0x93], [0x62, 0x01, 0x53]]);
    assert.deepEqual(Buffer.concat(fus.map((f) => f.body)), idr.subarray(2));
    assert.equal(p.fmtp(), 'sprop-vps=QAEM;sprop-sps=QgEB;sprop-pps=RAHB');
  });

  it('refuses a keyframe without parameter sets until it has seen them', () => {
    const p = new H265Packetizer();
    const bare = Buffer.concat([SC, Buffer.from([0x26, 0x01, 0xaf, 0x00])]);
    assert.equal(p.packetize(bare).ok, false);
    assert.equal(p.packetize(Buffer.concat([SC, Buffer.from([0x26])])).ok, false, 'one-byte NAL');
    payloadsOf(p.packetize(Buffer.concat([SC, Buffer.from([0x40, 1, 9]), SC, Buffer.from([0x42, 1, 9]), SC, Buffer.from([0x44, 1, 9]), SC, Buffer.from([0x26, 1, 9])])));
    const types = depacketizeH265(payloadsOf(p.packetize(bare))).map((u) => (u[0] >> 1) & 0x3f);
    assert.deepEqual(types, [32, 33, 34, 19]);
  });

  it('round-trips every frame of an ffmpeg stream', () => {
    const frames = framesOf(testStream({ kind: 'h265', size: '640x480', seconds: 2 }), 'h265');
    const p = new H265Packetizer();
    for (const frame of frames) {
      const payloads = payloadsOf(p.packetize(frame.payload));
      assertPacketShape(payloads);
      assert.deepEqual(depacketizeH265(payloads), splitAnnexB(frame.payload));
    }
    assert.match(p.fmtp(), /^sprop-vps=.+;sprop-sps=.+;sprop-pps=.+$/);
  });
});

/** A few JPEGs made by ffmpeg with the given pixel format and Huffman strategy. */
function ffmpegJpegs(pixFmt: string, huffman: 'default' | 'optimal', size = '320x240'): Buffer[] {
  return mjpegFrames({ size, rate: 5, seconds: 1, pixFmt, quality: 4, huffman });
}

function assertSamePicture(original: Buffer, rebuilt: Buffer): void {
  const a = jpeg.decode(original, { useTArray: true });
  const b = jpeg.decode(rebuilt, { useTArray: true });
  assert.equal(b.width, a.width);
  assert.equal(b.height, a.height);
  assert.ok(Buffer.from(a.data).equals(Buffer.from(b.data)), 'every pixel the same');
}

describe('JPEG packetizer (RFC 2435)', () => {
  it('sends a 4:2:0 JPEG with its quantization tables, and the receiver rebuilds the same picture', () => {
    const frames = ffmpegJpegs('yuvj420p', 'default');
    const p = new JpegPacketizer();
    for (const frame of frames) {
      const payloads = payloadsOf(p.packetize(frame));
      assertPacketShape(payloads);
      const first = Buffer.concat([payloads[0].prefix]);
      assert.equal(first[4], 1, 'type 1 = 4:2:0');
      assert.equal(first[5], 255, 'Q 255: tables in band');
      assert.equal(first[6], 40);
      assert.equal(first[7], 30);
      assert.equal(first.readUInt16BE(10), 128, 'two 8-bit tables');
      assertSamePicture(frame, depacketizeJpeg(payloads));
    }
    assert.equal(p.recoded, 0, 'standard tables need no re-coding');
  });

  it('re-codes optimised Huffman tables losslessly (ffmpeg default)', () => {
    const frames = ffmpegJpegs('yuvj420p', 'optimal', '640x480');
    const p = new JpegPacketizer();
    for (const frame of frames) {
      const payloads = payloadsOf(p.packetize(frame));
      assertPacketShape(payloads);
      assertSamePicture(frame, depacketizeJpeg(payloads));
    }
    assert.equal(p.recoded, frames.length);
  });

  it('marks 4:2:2 (Y 2×1) as type 0', () => {
    const [frame] = ffmpegJpegs('yuvj420p', 'default');
    const sof = frame.indexOf(Buffer.from([0xff, 0xc0]));
    const patched = Buffer.from(frame);
    assert.equal(patched[sof + 11], 0x22);
    patched[sof + 11] = 0x21;
    const payloads = payloadsOf(new JpegPacketizer().packetize(patched));
    assert.equal(payloads[0].prefix[4], 0);
  });

  it('refuses 4:4:4, truncated and corrupt JPEGs with a reason, never a throw', () => {
    const p = new JpegPacketizer();
    const [full] = ffmpegJpegs('yuvj444p', 'default');
    const refused = p.packetize(full);
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.error, /4:2:0/);
    const [ffmpeg422] = ffmpegJpegs('yuvj422p', 'default');
    assert.equal(p.packetize(ffmpeg422).ok, false, 'ffmpeg writes 4:2:2 as Y 2×2 with chroma 1×2, which RTP/JPEG cannot describe');
    const [good] = ffmpegJpegs('yuvj420p', 'optimal');
    assert.equal(p.packetize(good.subarray(0, good.length / 2)).ok, false, 'truncated');
    assert.equal(p.packetize(Buffer.from('not a jpeg')).ok, false);
    const random = seededRandom(7);
    let refusedCount = 0;
    for (let n = 0; n < 2000; n++) {
      const bad = Buffer.from(good);
      for (let k = 0; k < 1 + n % 5; k++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
      const result = p.packetize(n % 3 === 0 ? bad.subarray(0, Math.floor(random() * bad.length)) : bad);
      if (!result.ok) refusedCount++;
      else assertPacketShape(result.payloads);
    }
    assert.ok(refusedCount > 100, `corrupt JPEGs are refused (${refusedCount} of 2000)`);
  });
});

describe('G.711 packetizer (RFC 3551)', () => {
  it('cuts a chunk into 20 ms packets with their timestamp steps', () => {
    const p = new G711Packetizer('pcma');
    assert.equal(p.payloadType, 8);
    assert.equal(new G711Packetizer('pcmu').payloadType, 0);
    const payloads = payloadsOf(p.packetize(Buffer.alloc(400, 0xd5)));
    assert.deepEqual(payloads.map((x) => [x.body.length, x.timestampDelta, x.marker]), [[160, 0, false], [160, 160, false], [80, 320, false]]);
    assert.equal(p.packetize(Buffer.alloc(0)).ok, false);
  });
});
