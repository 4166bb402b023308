// A lossless H.264 writer for the simulators: keyframes made of I_PCM macroblocks (the samples
// stored as they are, ITU-T H.264 §7.3.5), and P-frames in which every macroblock is skipped
// (the picture holds still until the next keyframe). Baseline profile, CAVLC, 4:2:0, sizes in
// whole macroblocks. Any decoder plays it, so a simulated camera can stream H.264 without
// ffmpeg on the machine, and every decoded sample can be checked against what was drawn.

const START_CODE = Buffer.from([0, 0, 0, 1]);

/** Writes the bit-level syntax of an RBSP: fixed-width fields and Exp-Golomb codes. */
class RbspWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  u(bits: number, value: number): this {
    for (let b = bits - 1; b >= 0; b--) this.bit((value >> b) & 1);
    return this;
  }

  ue(value: number): this {
    const code = value + 1;
    const bits = 32 - Math.clz32(code);
    return this.u(bits - 1, 0).u(bits, code);
  }

  se(value: number): this {
    return this.ue(value <= 0 ? -2 * value : 2 * value - 1);
  }

  /** Pads with zeros to the next byte boundary (pcm_alignment_zero_bit). */
  align(): this {
    while (this.count !== 0) this.bit(0);
    return this;
  }

  bytesRaw(data: Uint8Array): this {
    for (const byte of data) this.u(8, byte);
    return this;
  }

  /** rbsp_trailing_bits, then the NAL unit with emulation prevention (00 00 0x → 00 00 03 0x). */
  nal(header: number): Buffer {
    this.bit(1).align();
    const out: number[] = [header];
    let zeros = 0;
    for (const byte of this.bytes) {
      if (zeros >= 2 && byte <= 3) {
        out.push(3);
        zeros = 0;
      }
      out.push(byte);
      zeros = byte === 0 ? zeros + 1 : 0;
    }
    return Buffer.concat([START_CODE, Buffer.from(out)]);
  }

  private bit(value: number): this {
    this.acc = (this.acc << 1) | value;
    if (++this.count === 8) {
      this.bytes.push(this.acc);
      this.acc = 0;
      this.count = 0;
    }
    return this;
  }
}

const NAL_SPS = 0x67; // nal_ref_idc 3, type 7
const NAL_PPS = 0x68; // nal_ref_idc 3, type 8
const NAL_IDR = 0x65; // nal_ref_idc 3, type 5
const NAL_P = 0x41; // nal_ref_idc 2, type 1
const MB_TYPE_I_PCM = 25;
const LOG2_MAX_FRAME_NUM = 4;

export interface YuvPicture {
  width: number;
  height: number;
  /** width × height luma samples. */
  y: Uint8Array;
  /** (width/2) × (height/2) samples each. */
  cb: Uint8Array;
  cr: Uint8Array;
}

export class H264PcmEncoder {
  private frameNum = 0;
  private idrId = 0;

  constructor(readonly width: number, readonly height: number) {
    if (width % 16 || height % 16 || width < 16 || height < 16) throw new RangeError(`I_PCM H.264 needs whole macroblocks, got ${width}×${height}`);
  }

  /** SPS, PPS and an IDR picture holding `picture` exactly: one access unit. */
  keyframe(picture: YuvPicture): Buffer {
    this.frameNum = 0;
    const slice = new RbspWriter()
      .ue(0) // first_mb_in_slice
      .ue(7) // slice_type: I, and every slice of the picture is I
      .ue(0) // pic_parameter_set_id
      .u(LOG2_MAX_FRAME_NUM, 0) // frame_num
      .ue(this.idrId++ & 1) // idr_pic_id differs between neighbouring IDRs
      .u(1, 0) // no_output_of_prior_pics_flag
      .u(1, 0) // long_term_reference_flag
      .se(0) // slice_qp_delta
      .ue(1); // disable_deblocking_filter_idc: nothing to smooth in stored samples
    const mbWidth = this.width / 16;
    for (let mb = 0; mb < mbWidth * (this.height / 16); mb++) {
      slice.ue(MB_TYPE_I_PCM).align();
      this.writeMacroblock(slice, picture, (mb % mbWidth) * 16, Math.floor(mb / mbWidth) * 16);
    }
    return Buffer.concat([this.sps(), this.pps(), slice.nal(NAL_IDR)]);
  }

  /** A P picture that repeats the previous one: every macroblock skipped. */
  repeat(): Buffer {
    this.frameNum = (this.frameNum + 1) % (1 << LOG2_MAX_FRAME_NUM);
    return new RbspWriter()
      .ue(0) // first_mb_in_slice
      .ue(5) // slice_type: P, all slices
      .ue(0) // pic_parameter_set_id
      .u(LOG2_MAX_FRAME_NUM, this.frameNum)
      .u(1, 0) // num_ref_idx_active_override_flag
      .u(1, 0) // ref_pic_list_modification_flag_l0
      .u(1, 0) // adaptive_ref_pic_marking_mode_flag
      .se(0) // slice_qp_delta
      .ue(1) // disable_deblocking_filter_idc
      .ue((this.width / 16) * (this.height / 16)) // mb_skip_run: the whole picture
      .nal(NAL_P);
  }

  private sps(): Buffer {
    return new RbspWriter()
      .u(8, 66) // profile_idc: Baseline
      .u(8, 0xc0) // constraint_set0 and set1: decodable by Baseline and Main decoders
      .u(8, 30) // level_idc 3.0
      .ue(0) // seq_parameter_set_id
      .ue(LOG2_MAX_FRAME_NUM - 4)
      .ue(2) // pic_order_cnt_type 2: output order is decoding order
      .ue(1) // max_num_ref_frames
      .u(1, 0) // gaps_in_frame_num_value_allowed_flag
      .ue(this.width / 16 - 1)
      .ue(this.height / 16 - 1)
      .u(1, 1) // frame_mbs_only_flag
      .u(1, 1) // direct_8x8_inference_flag
      .u(1, 0) // frame_cropping_flag
      .u(1, 0) // vui_parameters_present_flag
      .nal(NAL_SPS);
  }

  private pps(): Buffer {
    return new RbspWriter()
      .ue(0) // pic_parameter_set_id
      .ue(0) // seq_parameter_set_id
      .u(1, 0) // entropy_coding_mode_flag: CAVLC
      .u(1, 0) // bottom_field_pic_order_in_frame_present_flag
      .ue(0) // num_slice_groups_minus1
      .ue(0) // num_ref_idx_l0_default_active_minus1
      .ue(0) // num_ref_idx_l1_default_active_minus1
      .u(1, 0) // weighted_pred_flag
      .u(2, 0) // weighted_bipred_idc
      .se(0) // pic_init_qp_minus26
      .se(0) // pic_init_qs_minus26
      .se(0) // chroma_qp_index_offset
      .u(1, 1) // deblocking_filter_control_present_flag
      .u(1, 0) // constrained_intra_pred_flag
      .u(1, 0) // redundant_pic_cnt_present_flag
      .nal(NAL_PPS);
  }

  private writeMacroblock(out: RbspWriter, p: YuvPicture, x0: number, y0: number): void {
    for (let y = 0; y < 16; y++) out.bytesRaw(p.y.subarray((y0 + y) * p.width + x0, (y0 + y) * p.width + x0 + 16));
    const cw = p.width / 2;
    for (const plane of [p.cb, p.cr]) {
      for (let y = 0; y < 8; y++) out.bytesRaw(plane.subarray((y0 / 2 + y) * cw + x0 / 2, (y0 / 2 + y) * cw + x0 / 2 + 8));
    }
  }
}

/** BT.601 limited-range YCbCr 4:2:0 of RGBA pixels, as cameras write H.264. */
export function rgbaToYuv420(rgba: Uint8Array, width: number, height: number): YuvPicture {
  const y = new Uint8Array(width * height);
  const cb = new Uint8Array((width / 2) * (height / 2));
  const cr = new Uint8Array((width / 2) * (height / 2));
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const i = (py * width + px) * 4;
      y[py * width + px] = Math.round(16 + (65.481 * rgba[i] + 128.553 * rgba[i + 1] + 24.966 * rgba[i + 2]) / 255);
    }
  }
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < width / 2; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const i = ((cy * 2 + dy) * width + cx * 2 + dx) * 4;
        r += rgba[i] / 4;
        g += rgba[i + 1] / 4;
        b += rgba[i + 2] / 4;
      }
      cb[cy * (width / 2) + cx] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      cr[cy * (width / 2) + cx] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  return { width, height, y, cb, cr };
}
