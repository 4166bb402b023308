/*
 * Synthetic media of the fake TUTK library (spec §6): an H.264 stream that decodes without any
 * encoder (Baseline SPS/PPS, IDR pictures of I_PCM macroblocks whose luma changes per GOP, and
 * P pictures that skip every macroblock), an opaque H.265 stream for routing, G.711/PCM/AAC audio,
 * and the frame-info layouts of spec §3.4.
 */
#include <stdlib.h>
#include <string.h>

#include "fake-tutk.h"

#define CODEC_ID_H264 0x4E
#define CODEC_ID_H265 0x50

struct bits {
  uint8_t *data;
  size_t cap;
  size_t bytes;
  int bit; /* bits used in data[bytes] */
};

static void put_bit(struct bits *b, int v) {
  if (b->bytes >= b->cap) return;
  if (b->bit == 0) b->data[b->bytes] = 0;
  if (v) b->data[b->bytes] |= (uint8_t)(0x80 >> b->bit);
  if (++b->bit == 8) { b->bit = 0; b->bytes++; }
}

static void put_bits(struct bits *b, uint32_t v, int n) {
  for (int i = n - 1; i >= 0; i--) put_bit(b, (v >> i) & 1);
}

/* Exp-Golomb ue(v). */
static void put_ue(struct bits *b, uint32_t v) {
  uint32_t x = v + 1;
  int len = 0;
  while ((x >> len) > 1) len++;
  put_bits(b, 0, len);
  put_bits(b, x, len + 1);
}

static void align_zero(struct bits *b) { while (b->bit) put_bit(b, 0); }

static void trailing_bits(struct bits *b) {
  put_bit(b, 1);
  align_zero(b);
}

static size_t rbsp_len(const struct bits *b) { return b->bytes + (b->bit ? 1 : 0); }

/* Start code, then the NAL with emulation prevention bytes (00 00 0x, x <= 3 → 00 00 03 0x). */
static size_t put_nal(uint8_t *out, const uint8_t *rbsp, size_t len) {
  size_t o = 0;
  out[o++] = 0; out[o++] = 0; out[o++] = 0; out[o++] = 1;
  int zeros = 0;
  for (size_t i = 0; i < len; i++) {
    if (zeros >= 2 && rbsp[i] <= 3) { out[o++] = 3; zeros = 0; }
    out[o++] = rbsp[i];
    zeros = rbsp[i] == 0 ? zeros + 1 : 0;
  }
  return o;
}

static size_t h264_sps(uint8_t *rbsp, size_t cap, int mbs_w, int mbs_h) {
  struct bits b = { rbsp, cap, 0, 0 };
  put_bits(&b, 0x67, 8);  /* nal_ref_idc 3, type 7 */
  put_bits(&b, 66, 8);    /* Baseline */
  put_bits(&b, 0xC0, 8);  /* constraint_set0/1 */
  put_bits(&b, 10, 8);    /* level 1.0 */
  put_ue(&b, 0);          /* seq_parameter_set_id */
  put_ue(&b, 0);          /* log2_max_frame_num_minus4: frame_num has 4 bits */
  put_ue(&b, 2);          /* pic_order_cnt_type 2: output order = decode order */
  put_ue(&b, 1);          /* max_num_ref_frames */
  put_bit(&b, 0);         /* gaps_in_frame_num_value_allowed_flag */
  put_ue(&b, (uint32_t)mbs_w - 1);
  put_ue(&b, (uint32_t)mbs_h - 1);
  put_bit(&b, 1);         /* frame_mbs_only_flag */
  put_bit(&b, 1);         /* direct_8x8_inference_flag */
  put_bit(&b, 0);         /* frame_cropping_flag */
  put_bit(&b, 0);         /* vui_parameters_present_flag */
  trailing_bits(&b);
  return rbsp_len(&b);
}

static size_t h264_pps(uint8_t *rbsp, size_t cap) {
  struct bits b = { rbsp, cap, 0, 0 };
  put_bits(&b, 0x68, 8);
  put_ue(&b, 0);   /* pic_parameter_set_id */
  put_ue(&b, 0);   /* seq_parameter_set_id */
  put_bit(&b, 0);  /* CAVLC */
  put_bit(&b, 0);  /* bottom_field_pic_order_in_frame_present_flag */
  put_ue(&b, 0);   /* num_slice_groups_minus1 */
  put_ue(&b, 0);   /* num_ref_idx_l0_default_active_minus1 */
  put_ue(&b, 0);   /* num_ref_idx_l1_default_active_minus1 */
  put_bit(&b, 0);  /* weighted_pred_flag */
  put_bits(&b, 0, 2); /* weighted_bipred_idc */
  put_ue(&b, 0);   /* pic_init_qp_minus26 = se(0) */
  put_ue(&b, 0);   /* pic_init_qs_minus26 */
  put_ue(&b, 0);   /* chroma_qp_index_offset */
  put_bit(&b, 1);  /* deblocking_filter_control_present_flag */
  put_bit(&b, 0);  /* constrained_intra_pred_flag */
  put_bit(&b, 0);  /* redundant_pic_cnt_present_flag */
  trailing_bits(&b);
  return rbsp_len(&b);
}

/* IDR slice, every macroblock I_PCM: luma `luma` everywhere, neutral chroma. */
static size_t h264_idr(uint8_t *rbsp, size_t cap, int mbs, uint32_t idr_pic_id, uint8_t luma) {
  struct bits b = { rbsp, cap, 0, 0 };
  put_bits(&b, 0x65, 8);
  put_ue(&b, 0);          /* first_mb_in_slice */
  put_ue(&b, 7);          /* slice_type I (all slices) */
  put_ue(&b, 0);          /* pic_parameter_set_id */
  put_bits(&b, 0, 4);     /* frame_num */
  put_ue(&b, idr_pic_id);
  put_bit(&b, 0);         /* no_output_of_prior_pics_flag */
  put_bit(&b, 0);         /* long_term_reference_flag */
  put_ue(&b, 0);          /* slice_qp_delta = se(0) */
  put_ue(&b, 1);          /* disable_deblocking_filter_idc 1 */
  for (int mb = 0; mb < mbs; mb++) {
    put_ue(&b, 25);       /* mb_type I_PCM */
    align_zero(&b);       /* pcm_alignment_zero_bit */
    if (b.bytes + 384 > b.cap) return 0;
    memset(b.data + b.bytes, luma, 256);
    memset(b.data + b.bytes + 256, 128, 128);
    b.bytes += 384;
  }
  trailing_bits(&b);
  return rbsp_len(&b);
}

/* P slice that skips every macroblock: a copy of the previous picture. */
static size_t h264_p(uint8_t *rbsp, size_t cap, int mbs, uint32_t frame_num) {
  struct bits b = { rbsp, cap, 0, 0 };
  put_bits(&b, 0x41, 8);  /* nal_ref_idc 2 (POC type 2 needs reference pictures), type 1 */
  put_ue(&b, 0);
  put_ue(&b, 5);          /* slice_type P (all slices) */
  put_ue(&b, 0);
  put_bits(&b, frame_num & 15, 4);
  put_bit(&b, 0);         /* num_ref_idx_active_override_flag */
  put_bit(&b, 0);         /* ref_pic_list_modification_flag_l0 */
  put_bit(&b, 0);         /* adaptive_ref_pic_marking_mode_flag */
  put_ue(&b, 0);          /* slice_qp_delta */
  put_ue(&b, 1);          /* disable_deblocking_filter_idc */
  put_ue(&b, (uint32_t)mbs); /* mb_skip_run over the whole picture */
  trailing_bits(&b);
  return rbsp_len(&b);
}

static int h264_frame(const struct fake_scenario *sc, long index, uint8_t **out, int *keyframe) {
  int mbs_w = sc->width / 16, mbs_h = sc->height / 16, mbs = mbs_w * mbs_h;
  long gop_no = index / sc->gop;
  long pos = index % sc->gop;
  size_t rbsp_cap = (size_t)mbs * 386 + 64;
  uint8_t *rbsp = malloc(rbsp_cap);
  /* Emulation prevention adds at most one byte per two input bytes; 3 NALs with start codes. */
  uint8_t *au = malloc(rbsp_cap * 3 / 2 + 64);
  if (!rbsp || !au) { free(rbsp); free(au); return -1; }
  size_t n = 0;
  *keyframe = pos == 0;
  if (pos == 0) {
    size_t len = h264_sps(rbsp, rbsp_cap, mbs_w, mbs_h);
    n += put_nal(au + n, rbsp, len);
    len = h264_pps(rbsp, rbsp_cap);
    n += put_nal(au + n, rbsp, len);
    /* Luma steps through 16..235 so that each GOP is recognisable in a decoded picture. */
    uint8_t luma = (uint8_t)(16 + (gop_no * 37) % 220);
    len = h264_idr(rbsp, rbsp_cap, mbs, (uint32_t)(gop_no % 65536), luma);
    if (len == 0) { free(rbsp); free(au); return -1; }
    n += put_nal(au + n, rbsp, len);
  } else {
    size_t len = h264_p(rbsp, rbsp_cap, mbs, (uint32_t)pos);
    n += put_nal(au + n, rbsp, len);
  }
  free(rbsp);
  *out = au;
  return (int)n;
}

/* H.265 with real NAL headers around filler bytes: enough to route and to test keyframe rules. */
static int h265_frame(const struct fake_scenario *sc, long index, uint8_t **out, int *keyframe) {
  long pos = index % sc->gop;
  uint8_t *au = malloc(4096);
  if (!au) return -1;
  size_t n = 0;
  static const uint8_t types[] = { 32, 33, 34, 19 }; /* VPS, SPS, PPS, IDR_W_RADL */
  *keyframe = pos == 0;
  if (pos == 0) {
    for (int i = 0; i < 4; i++) {
      uint8_t nal[40];
      nal[0] = (uint8_t)(types[i] << 1);
      nal[1] = 1;
      memset(nal + 2, 0x80 + i, sizeof(nal) - 2);
      n += put_nal(au + n, nal, types[i] == 19 ? sizeof(nal) : 12);
    }
  } else {
    uint8_t nal[24];
    nal[0] = 1 << 1; /* TRAIL_R */
    nal[1] = 1;
    memset(nal + 2, (int)(0x40 + (pos & 0x3f)), sizeof(nal) - 2);
    n += put_nal(au + n, nal, sizeof(nal));
  }
  *out = au;
  return (int)n;
}

int fake_video_frame(const struct fake_scenario *sc, long index, uint8_t **out, int *keyframe) {
  return sc->codec == CODEC_H265 ? h265_frame(sc, index, out, keyframe) : h264_frame(sc, index, out, keyframe);
}

static void put_u16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_u32(uint8_t *p, uint32_t v) { put_u16(p, v & 0xffff); put_u16(p + 2, v >> 16); }

/* The frame-info block the scenario's camera sends (spec §3.4); returns its size. */
int fake_video_info(const struct fake_scenario *sc, long index, int keyframe, int frame_len, uint8_t *info) {
  memset(info, 0, 64);
  int codec_id = sc->codec_id ? sc->codec_id : sc->codec == CODEC_H265 ? CODEC_ID_H265 : CODEC_ID_H264;
  uint32_t ms = (uint32_t)(index * 1000 / sc->fps);
  put_u16(info, (uint32_t)codec_id);
  info[2] = sc->flags_bogus ? 0 : keyframe ? 1 : 0;
  info[3] = 0; /* cam_index */
  info[4] = 1; /* onlineNum */
  switch (sc->info) {
    case 16:
      put_u32(info + 12, ms);
      return 16;
    case 40:
    case 48:
      info[5] = (uint8_t)sc->fps;
      info[6] = 1; /* frame_size tier */
      info[7] = 120; /* bitrate, kB/s */
      put_u32(info + 8, ms % 1000);
      put_u32(info + 12, ms / 1000);
      put_u32(info + 16, (uint32_t)frame_len);
      put_u32(info + 20, (uint32_t)index);
      memcpy(info + 24, "A1B2C3D4E5F6", 12);
      return sc->info;
    case 64:
      info[5] = 1; /* isLiveflages: < 150 means live */
      put_u32(info + 8, ms % 1000);
      put_u32(info + 12, ms / 1000);
      put_u32(info + 16, (uint32_t)sc->width);
      put_u32(info + 20, (uint32_t)sc->height);
      return 64;
    default:
      put_u32(info + 12, ms);
      put_u32(info + 16, (uint32_t)sc->width);
      put_u32(info + 20, (uint32_t)sc->height);
      return 24;
  }
}

static const int audio_ids[] = { 0x8A, 0x89, 0x8C, 0x88 }; /* PCMA, PCMU, PCM, AAC (ADTS) */

/* One 20 ms chunk at 8 kHz mono: 160 G.711 bytes, 320 s16le bytes, or one ADTS frame. */
int fake_audio_frame(const struct fake_scenario *sc, long index, uint8_t *out, int max) {
  (void)index;
  if (sc->audio_codec == AUDIO_PCM) {
    if (max < 320) return -1;
    for (int i = 0; i < 160; i++) {
      int16_t s = (int16_t)((i % 20 < 10) ? 1000 : -1000); /* a 400 Hz square wave */
      out[2 * i] = (uint8_t)(s & 0xff);
      out[2 * i + 1] = (uint8_t)((uint16_t)s >> 8);
    }
    return 320;
  }
  if (sc->audio_codec == AUDIO_AAC) {
    const int len = 7 + 16;
    if (max < len) return -1;
    /* ADTS: sync, MPEG-4, layer 0, no CRC; AAC LC, 8 kHz (index 11), mono; frame length. */
    out[0] = 0xFF; out[1] = 0xF1;
    out[2] = (uint8_t)((1 << 6) | (11 << 2));
    out[3] = (uint8_t)((1 << 6) | ((len >> 11) & 3));
    out[4] = (uint8_t)((len >> 3) & 0xff);
    out[5] = (uint8_t)(((len & 7) << 5) | 0x1F);
    out[6] = 0xFC;
    memset(out + 7, 0, 16);
    return len;
  }
  if (max < 160) return -1;
  memset(out, sc->audio_codec == AUDIO_PCMU ? 0xFF : 0xD5, 160); /* G.711 silence */
  return 160;
}

int fake_audio_info(const struct fake_scenario *sc, long index, uint8_t *info) {
  memset(info, 0, 16);
  put_u16(info, (uint32_t)audio_ids[sc->audio_codec]);
  info[2] = (0 << 2) | (1 << 1) | 0; /* 8000 Hz, 16-bit samples, mono */
  info[4] = 1;
  put_u32(info + 12, (uint32_t)(index * 20));
  return 16;
}
