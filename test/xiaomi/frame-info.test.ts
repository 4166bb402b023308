// Frame-info parsing (spec §3.3, §3.4) from hand-built blocks of every layout, keyframe detection
// from the flags and from the NAL types, and the error-class table (spec §2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecOfId, isKeyframe, parseFrameInfo } from '../../nodes/xiaomi/frame-info';
import { classifyError, describeError, errorName } from '../../nodes/xiaomi/tutk-errors';

/** A 64-byte info buffer as the binding passes it; `size` is only the caller's reminder of the layout. */
function block(_size: number, fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(64);
  fill(b);
  return b;
}

describe('frame info', () => {
  it('reads the TUTK 16-byte block: codec, flags, camera time; no size', () => {
    const info = block(16, (b) => { b.writeUInt16LE(0x4e, 0); b[2] = 1; b.writeUInt32LE(123456, 12); b.writeUInt32LE(640, 16); });
    assert.deepEqual(parseFrameInfo(info, 16), { layout: 'tutk16', codecId: 0x4e, codec: 'h264', flags: 1, cameraTimeMs: 123456 });
  });

  it('reads the TUTK 24-byte block with width and height', () => {
    const info = block(24, (b) => { b.writeUInt16LE(0x50, 0); b.writeUInt32LE(1920, 16); b.writeUInt32LE(1080, 20); });
    const parsed = parseFrameInfo(info, 24);
    assert.equal(parsed.layout, 'tutk24');
    assert.equal(parsed.codec, 'h265');
    assert.equal(parsed.width, 1920);
    assert.equal(parsed.height, 1080);
  });

  it('reads the Xiaomi 64-byte block: seconds and milliseconds, width, height', () => {
    const info = block(64, (b) => { b.writeUInt16LE(0x4e, 0); b[2] = 1; b[5] = 1; b.writeUInt32LE(250, 8); b.writeUInt32LE(1000, 12); b.writeUInt32LE(1280, 16); b.writeUInt32LE(720, 20); });
    assert.deepEqual(parseFrameInfo(info, 64), { layout: 'xiaomi64', codecId: 0x4e, codec: 'h264', flags: 1, cameraTimeMs: 1_000_250, width: 1280, height: 720 });
    assert.equal(parseFrameInfo(info, 64, 'tutk').layout, 'tutk24', 'the tutk profile reads only the first 24 bytes');
  });

  it('reads the Wyze 40/48-byte blocks: frame number, no size', () => {
    const info = block(40, (b) => { b.writeUInt16LE(0x4b, 0); b[2] = 1; b.writeUInt32LE(999, 16); b.writeUInt32LE(77, 20); });
    const parsed = parseFrameInfo(info, 40);
    assert.equal(parsed.layout, 'wyze');
    assert.equal(parsed.codec, 'h264', 'Wyze labels H.264 as 75');
    assert.equal(parsed.frameNo, 77);
    assert.equal(parsed.width, undefined);
    assert.equal(parseFrameInfo(info, 48).layout, 'wyze');
    assert.equal(parseFrameInfo(info, 24, 'wyze').layout, 'wyze', 'the wyze profile reads a short block as Wyze');
    assert.equal(parseFrameInfo(info, 40, 'xiaomi').layout, 'tutk24', 'forcing the Xiaomi profile reads 40 bytes as TUTK 24');
  });

  it('never invents a size: zero, huge or missing dimensions stay unknown', () => {
    for (const [w, h] of [[0, 480], [640, 0], [100000, 480], [0xffffffff, 0xffffffff]]) {
      const info = block(24, (b) => { b.writeUInt16LE(0x4e, 0); b.writeUInt32LE(w, 16); b.writeUInt32LE(h, 20); });
      const parsed = parseFrameInfo(info, 24);
      assert.equal(parsed.width, undefined);
      assert.equal(parsed.height, undefined);
      assert.equal(parsed.codec, 'h264', 'the frame itself is still described');
    }
  });

  it('reads audio flags: sample rate index, 16-bit, stereo', () => {
    const pcma = block(16, (b) => { b.writeUInt16LE(0x8a, 0); b[2] = 0x02; });
    assert.deepEqual(parseFrameInfo(pcma, 16, 'tutk'), { layout: 'tutk16', codecId: 0x8a, codec: 'pcma', flags: 2, sampleRate: 8000, channels: 1, cameraTimeMs: 0 });
    const aac = block(16, (b) => { b.writeUInt16LE(0x88, 0); b[2] = (8 << 2) | 3; });
    assert.equal(parseFrameInfo(aac, 16).sampleRate, 48000);
    assert.equal(parseFrameInfo(aac, 16).channels, 2);
    const badRate = block(16, (b) => { b.writeUInt16LE(0x89, 0); b[2] = 15 << 2; });
    assert.equal(parseFrameInfo(badRate, 16).sampleRate, undefined);
  });

  it('survives lengths that are short, negative, fractional or longer than the buffer', () => {
    const info = block(64, (b) => b.writeUInt16LE(0x4e, 0));
    assert.deepEqual(parseFrameInfo(info, 0), { layout: 'none', codecId: -1, flags: 0 });
    assert.deepEqual(parseFrameInfo(info, 1), { layout: 'none', codecId: -1, flags: 0 });
    assert.deepEqual(parseFrameInfo(info, 8), { layout: 'none', codecId: 0x4e, flags: 0 });
    assert.equal(parseFrameInfo(info, -5).layout, 'none');
    assert.equal(parseFrameInfo(info, 2.5).layout, 'none');
    assert.equal(parseFrameInfo(info.subarray(0, 20), 64).layout, 'tutk16', 'clamped to the buffer');
  });

  it('maps the codec ids of spec §3.3', () => {
    assert.deepEqual([0x4e, 0x50, 0x4f, 0x89, 0x8a, 0x8c, 0x88, 0x92, 0x4c].map(codecOfId), ['h264', 'h265', 'jpeg', 'pcmu', 'pcma', 'pcm_s16le', 'aac', 'opus', undefined]);
  });
});

describe('keyframe detection', () => {
  const sc = Buffer.from([0, 0, 0, 1]);
  it('trusts flag 1, else looks for H.264 IDR/SPS or H.265 IRAP/VPS NAL units', () => {
    const p264 = Buffer.concat([sc, Buffer.from([0x41, 0x9a])]);
    const idr264 = Buffer.concat([sc, Buffer.from([0x09, 0x10]), sc, Buffer.from([0x65, 0x88])]);
    const sps264 = Buffer.concat([Buffer.from([0, 0, 1, 0x67, 0x42])]);
    assert.equal(isKeyframe(p264, 'h264', 1), true);
    assert.equal(isKeyframe(p264, 'h264', 0), false);
    assert.equal(isKeyframe(idr264, 'h264', 0), true);
    assert.equal(isKeyframe(sps264, 'h264', 0), true);
    const vps = Buffer.concat([sc, Buffer.from([0x40, 0x01])]);
    const cra = Buffer.concat([sc, Buffer.from([21 << 1, 0x01])]);
    const trail = Buffer.concat([sc, Buffer.from([0x02, 0x01])]);
    assert.equal(isKeyframe(vps, 'h265', 0), true);
    assert.equal(isKeyframe(cra, 'h265', 0), true);
    assert.equal(isKeyframe(trail, 'h265', 0), false);
    assert.equal(isKeyframe(Buffer.alloc(0), 'h264', 0), false);
    assert.equal(isKeyframe(Buffer.from([0, 0, 1]), 'h264', 0), false, 'a start code at the very end');
    assert.equal(isKeyframe(Buffer.from([1]), 'jpeg', 0), true);
  });
});

describe('error classes (spec §2)', () => {
  it('sorts every code of the table into its class', () => {
    assert.equal(classifyError(-20012), 'poll');
    for (const c of [-20013, -20014, -20001, -20028]) assert.equal(classifyError(c), 'drop', String(c));
    for (const c of [-20015, -20016, -20010, -20025, -14, -22, -23, -20000, -1, -13, -19, -20, -24, -41, -42, -48, -60, -90, -20007, -20011]) assert.equal(classifyError(c), 'reconnect', String(c));
    for (const c of [-10, -46, -20009, -20023, -20024, -40, -29, -34, -35, -36, -37]) assert.equal(classifyError(c), 'config', String(c));
    for (const c of [-2, -4, -5, -6, -7, -8, -12, -20019, -20026, -1004, -1005]) assert.equal(classifyError(c), 'init', String(c));
    assert.equal(classifyError(-99999), 'reconnect', 'unknown codes retry with backoff');
  });

  it('names codes for people', () => {
    assert.equal(errorName(-20009), 'AV_ER_WRONG_VIEWACCorPWD');
    assert.equal(errorName(-10), 'IOTC_ER_UNLICENSE');
    assert.equal(errorName(-1003), 'IOTC licence error -1003');
    assert.equal(errorName(-777), 'IOTC error -777');
    assert.equal(describeError(-20009), 'AV_ER_WRONG_VIEWACCorPWD (-20009): wrong AV account or password');
    assert.equal(describeError(-31), 'IOTC_ER_SESSION_NO_FREE_CHANNEL (-31)');
  });
});
