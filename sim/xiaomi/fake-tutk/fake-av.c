/*
 * Fake libAVAPIs.so: the av* client functions of spec §1.2. Its state lives in the fake
 * libIOTCAPIs.so and is reached through FakeTutk_Shared(), a symbol this library leaves
 * undefined, so loading it before IOTC (or IOTC without RTLD_GLOBAL) fails as with the vendor's.
 * Frames are paced by the wall clock from START; the knobs of spec §6 inject every error class.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-tutk.h"

#define VERSION_PACKED 0x02010300
#define IOTYPE_START 0x01FF
#define IOTYPE_STOP 0x02FF
#define IOTYPE_AUDIOSTART 0x0300
#define IOTYPE_AUDIOSTOP 0x0301
#define IOTYPE_SETSTREAMCTRL_REQ 0x0320
#define IOTYPE_SETSTREAMCTRL_RESP 0x0321
#define AUDIO_INTERVAL_MS 20
#define MAX_IOCTRL 1024

#define LOCK(st) pthread_mutex_lock(&(st)->lock)
#define UNLOCK(st) pthread_mutex_unlock(&(st)->lock)

static int valid_channel(struct fake_state *st, int av) {
  return av >= 0 && av < FAKE_MAX_CHANNELS && st->channels[av].in_use;
}

int avGetAVApiVer(void) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avGetAVApiVer");
  UNLOCK(st);
  return VERSION_PACKED;
}

int avInitialize(int max_channels) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avInitialize");
  int n = st->sc.av_max ? st->sc.av_max : max_channels;
  if (n > FAKE_MAX_CHANNELS) n = FAKE_MAX_CHANNELS;
  if (n < 1) n = 1;
  st->av_init = 1;
  st->av_max = n;
  FakeTutk_Event("\"ev\":\"avInitialize\",\"ret\":%d", n);
  UNLOCK(st);
  return n;
}

int avDeInitialize(void) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avDeInitialize");
  FakeTutk_Teardown("avDeInitialize");
  int ret = st->av_init ? 0 : AV_ER_NOT_INITIALIZED;
  int leaked = 0;
  for (int i = 0; i < FAKE_MAX_CHANNELS; i++) {
    if (st->channels[i].in_use) {
      leaked++;
      memset(&st->channels[i], 0, sizeof(st->channels[i]));
      st->channels_closed++;
    }
  }
  st->av_init = 0;
  FakeTutk_Event("\"ev\":\"avDeInitialize\",\"ret\":%d,\"leakedChannels\":%d", ret, leaked);
  UNLOCK(st);
  return ret;
}

static int client_start(int sid, const char *user, const char *pass, unsigned int timeout_sec, unsigned int *serv_type,
                        unsigned char ch, int *resend, const char *symbol) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count(symbol);
  if (!st->av_init) { UNLOCK(st); return AV_ER_NOT_INITIALIZED; }
  /* Observed: on a SID that is not connected the AV call returns IOTC's code (§0.1). */
  if (FakeTutk_SessionHealth(sid) != 0) { UNLOCK(st); return -14; }
  struct fake_session *s = &st->sessions[sid];
  s->client_exit = 0;
  FakeTutk_Event("\"ev\":\"client_start_begin\",\"sid\":%d", sid);
  int64_t until = FakeTutk_NowMs() + st->sc.start_ms;
  int64_t give_up = FakeTutk_NowMs() + (int64_t)timeout_sec * 1000;
  int ret = 0;
  while (FakeTutk_NowMs() < until) {
    if (s->client_exit) { ret = AV_ER_CLIENT_EXIT; break; }
    if (timeout_sec > 0 && FakeTutk_NowMs() >= give_up) { ret = AV_ER_TIMEOUT; break; }
    UNLOCK(st);
    FakeTutk_SleepMs(5);
    LOCK(st);
  }
  if (ret == 0 && st->sc.start_err) ret = st->sc.start_err;
  if (ret == 0 && (!user || !pass || strcmp(user, st->sc.user) != 0 || strcmp(pass, st->sc.pass) != 0)) ret = AV_ER_WRONG_VIEWACCorPWD;
  if (ret == 0) {
    ret = AV_ER_EXCEED_MAX_CHANNEL;
    for (int i = 0; i < st->av_max; i++) {
      if (!st->channels[i].in_use) {
        memset(&st->channels[i], 0, sizeof(st->channels[i]));
        st->channels[i].in_use = 1;
        st->channels[i].sid = sid;
        st->channels_opened++;
        ret = i;
        break;
      }
    }
  }
  if (ret >= 0) {
    if (serv_type) *serv_type = 0;
    if (resend) *resend = 1;
  }
  FakeTutk_Event("\"ev\":\"%s\",\"sid\":%d,\"ch\":%u,\"timeoutSec\":%u,\"ret\":%d", symbol, sid, ch, timeout_sec, ret);
  if (ret >= 0) FakeTutk_Event("\"ev\":\"channel_open\",\"sid\":%d,\"avIndex\":%d", sid, ret);
  UNLOCK(st);
  return ret;
}

int avClientStart2(int sid, const char *user, const char *pass, unsigned int timeout_sec, unsigned int *serv_type,
                   unsigned char ch, int *resend) {
  return client_start(sid, user, pass, timeout_sec, serv_type, ch, resend, "avClientStart2");
}

int avClientStart(int sid, const char *user, const char *pass, unsigned int timeout_sec, unsigned int *serv_type,
                  unsigned char ch) {
  return client_start(sid, user, pass, timeout_sec, serv_type, ch, NULL, "avClientStart");
}

void avClientExit(int sid, unsigned char ch) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avClientExit");
  FakeTutk_Teardown("avClientExit");
  if (sid >= 0 && sid < FAKE_MAX_SESSIONS && st->sessions[sid].in_use) st->sessions[sid].client_exit = 1;
  FakeTutk_Event("\"ev\":\"avClientExit\",\"sid\":%d,\"ch\":%u", sid, ch);
  UNLOCK(st);
}

void avClientStop(int av) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avClientStop");
  FakeTutk_Teardown("avClientStop");
  if (valid_channel(st, av)) {
    FakeTutk_Event("\"ev\":\"channel_close\",\"sid\":%d,\"avIndex\":%d,\"frames\":%ld,\"polls\":%ld", st->channels[av].sid, av,
                   st->channels[av].frames_delivered, st->channels[av].polls);
    memset(&st->channels[av], 0, sizeof(st->channels[av]));
    st->channels_closed++;
  } else {
    FakeTutk_Event("\"ev\":\"misuse\",\"call\":\"avClientStop\",\"avIndex\":%d", av);
  }
  UNLOCK(st);
}

void avClientSetMaxBufSize(unsigned int kilobytes) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avClientSetMaxBufSize");
  FakeTutk_Event("\"ev\":\"avClientSetMaxBufSize\",\"kb\":%u", kilobytes);
  UNLOCK(st);
}

static int clean(int av, const char *symbol) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count(symbol);
  int ret = valid_channel(st, av) ? 0 : AV_ER_INVALID_ARG;
  UNLOCK(st);
  return ret;
}

int avClientCleanBuf(int av) { return clean(av, "avClientCleanBuf"); }
int avClientCleanVideoBuf(int av) { return clean(av, "avClientCleanVideoBuf"); }
int avClientCleanLocalBuf(int av) { return clean(av, "avClientCleanLocalBuf"); }
int avClientCleanLocalVideoBuf(int av) { return clean(av, "avClientCleanLocalVideoBuf"); }
int avClientCleanAudioBuf(int av) { return clean(av, "avClientCleanAudioBuf"); }

/* Does a START body have the shape the scenario's camera insists on (spec §3.2)? */
static int payload_accepted(int variant, const unsigned char *data, int len) {
  switch (variant) {
    case PAYLOAD_JSON: return len >= 2 && data[0] == '{' && data[len - 1] == '}';
    case PAYLOAD_STRUCT8: return len == 8 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 0;
    case PAYLOAD_BYTE1: return len == 1 && data[0] == '{';
    default: return 1;
  }
}

static void queue_reply(struct fake_channel *c, uint32_t type, const uint8_t *body, int len) {
  if (c->reply_count >= FAKE_MAX_REPLIES) return;
  if (len > 64) len = 64;
  c->reply_type[c->reply_count] = type;
  c->reply_len[c->reply_count] = len;
  memcpy(c->reply[c->reply_count], body, (size_t)len);
  c->reply_count++;
}

int avSendIOCtrl(int av, unsigned int type, const char *data, int len) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avSendIOCtrl");
  if (!valid_channel(st, av)) { UNLOCK(st); return AV_ER_INVALID_ARG; }
  if (len < 0 || len > MAX_IOCTRL || (len > 0 && !data)) { UNLOCK(st); return AV_ER_INVALID_ARG; }
  struct fake_channel *c = &st->channels[av];
  if (c->sending) { UNLOCK(st); return AV_ER_SENDIOCTRL_ALREADY_CALLED; }
  c->sending = 1;
  c->exit = 0;
  int64_t until = FakeTutk_NowMs() + st->sc.ioctrl_ms;
  int ret = 0;
  while (FakeTutk_NowMs() < until) {
    if (c->exit) { ret = AV_ER_SENDIOCTRL_EXIT; break; }
    UNLOCK(st);
    FakeTutk_SleepMs(5);
    LOCK(st);
    if (!valid_channel(st, av)) { UNLOCK(st); return AV_ER_INVALID_ARG; }
  }
  c->sending = 0;
  const unsigned char *body = (const unsigned char *)data;
  char hex[129];
  int shown = len < 64 ? len : 64;
  for (int i = 0; i < shown; i++) sprintf(hex + 2 * i, "%02x", body[i]);
  hex[2 * shown] = 0;
  if (st->ioctrl_count < FAKE_MAX_IOCTRL_LOG) {
    struct fake_ioctrl *entry = &st->ioctrl[st->ioctrl_count];
    entry->type = type;
    entry->len = len;
    strcpy(entry->hex, hex);
  }
  st->ioctrl_count++;
  int accepted = 1;
  if (ret == 0) {
    switch (type) {
      case IOTYPE_START:
        accepted = payload_accepted(st->sc.start_payload, body, len);
        if (accepted && !c->video_on) {
          c->video_on = 1;
          c->video_t0 = FakeTutk_NowMs();
          c->frames_due_base = c->frame_index;
        }
        break;
      case IOTYPE_STOP: c->video_on = 0; break;
      case IOTYPE_AUDIOSTART:
        accepted = payload_accepted(st->sc.start_payload, body, len);
        if (accepted && !c->audio_on) {
          c->audio_on = 1;
          c->audio_t0 = FakeTutk_NowMs();
          c->audio_index = 0;
        }
        break;
      case IOTYPE_AUDIOSTOP: c->audio_on = 0; break;
      case IOTYPE_SETSTREAMCTRL_REQ: {
        uint8_t ok[8] = { 0 };
        queue_reply(c, IOTYPE_SETSTREAMCTRL_RESP, ok, 8);
        break;
      }
      default: break;
    }
  }
  FakeTutk_Event("\"ev\":\"ioctrl\",\"avIndex\":%d,\"type\":%u,\"len\":%d,\"hex\":\"%s\",\"accepted\":%d,\"ret\":%d", av, type, len, hex, accepted, ret);
  UNLOCK(st);
  return ret;
}

int avSendIOCtrlExit(int av) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avSendIOCtrlExit");
  int ret = valid_channel(st, av) ? 0 : AV_ER_INVALID_ARG;
  if (ret == 0) st->channels[av].exit = 1;
  UNLOCK(st);
  return ret;
}

int avRecvIOCtrl(int av, unsigned int *type, char *buf, int max, unsigned int timeout_ms) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avRecvIOCtrl");
  if (!valid_channel(st, av)) { UNLOCK(st); return AV_ER_INVALID_ARG; }
  struct fake_channel *c = &st->channels[av];
  if (c->reply_count > 0) {
    int len = c->reply_len[0];
    if (len > max) { UNLOCK(st); return AV_ER_BUFPARA_MAXSIZE_INSUFF; }
    if (type) *type = c->reply_type[0];
    if (buf) memcpy(buf, c->reply[0], (size_t)len);
    c->reply_count--;
    memmove(&c->reply_type[0], &c->reply_type[1], sizeof(c->reply_type[0]) * (size_t)c->reply_count);
    memmove(&c->reply_len[0], &c->reply_len[1], sizeof(c->reply_len[0]) * (size_t)c->reply_count);
    memmove(&c->reply[0], &c->reply[1], sizeof(c->reply[0]) * (size_t)c->reply_count);
    UNLOCK(st);
    return len;
  }
  UNLOCK(st);
  int wait = timeout_ms < 50 ? (int)timeout_ms : 50;
  if (wait > 0) FakeTutk_SleepMs(wait);
  return AV_ER_TIMEOUT;
}

/* A remote close, a remote timeout or a dead session: every later call returns the same code. */
static int channel_failure(struct fake_state *st, struct fake_channel *c) {
  if (c->closed_by_remote) return c->closed_by_remote;
  int health = FakeTutk_SessionHealth(c->sid);
  if (health == -23) return AV_ER_REMOTE_TIMEOUT_DISCONNECT;
  if (health != 0) return AV_ER_SESSION_CLOSE_BY_REMOTE;
  (void)st;
  return 0;
}

int avRecvFrameData2(int av, char *buf, int buf_max, int *out_actual, int *out_expected, char *info, int info_max,
                     int *out_info_len, unsigned int *out_frame_no) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avRecvFrameData2");
  if (out_actual) *out_actual = 0;
  if (out_expected) *out_expected = 0;
  if (out_info_len) *out_info_len = 0;
  if (out_frame_no) *out_frame_no = 0;
  if (!st->av_init) { UNLOCK(st); return AV_ER_NOT_INITIALIZED; }
  if (av < 0 || av >= st->av_max) { UNLOCK(st); return AV_ER_INVALID_ARG; }
  if (!st->channels[av].in_use) { UNLOCK(st); return -14; }
  struct fake_channel *c = &st->channels[av];
  c->polls++;
  int failure = channel_failure(st, c);
  if (failure) { UNLOCK(st); return failure; }
  if (!c->video_on) { UNLOCK(st); return AV_ER_DATA_NOREADY; }
  const struct fake_scenario *sc = &st->sc;
  long due = c->frames_due_base + (long)((FakeTutk_NowMs() - c->video_t0) * sc->fps / 1000) + 1;
  if (c->frame_index >= due) { UNLOCK(st); return AV_ER_DATA_NOREADY; }
  /* A reader that fell far behind: the fake's "buffer" holds two seconds, older frames are gone. */
  if (due - c->frame_index > 2L * sc->fps) c->frame_index = due - 2L * sc->fps;
  long index = c->frame_index++;
  if (sc->segv_after_frames > 0 && st->frames_total >= sc->segv_after_frames) {
    FakeTutk_Event("\"ev\":\"segv\",\"avIndex\":%d", av);
    UNLOCK(st);
    *(volatile int *)0 = 1; /* the native crash the child process exists for */
  }
  if (sc->close_after_frames > 0 && c->frames_delivered >= sc->close_after_frames) {
    c->closed_by_remote = AV_ER_SESSION_CLOSE_BY_REMOTE;
    FakeTutk_Event("\"ev\":\"remote_close\",\"avIndex\":%d", av);
    UNLOCK(st);
    return AV_ER_SESSION_CLOSE_BY_REMOTE;
  }
  if (sc->timeout_after_frames > 0 && c->frames_delivered >= sc->timeout_after_frames) {
    c->closed_by_remote = AV_ER_REMOTE_TIMEOUT_DISCONNECT;
    FakeTutk_Event("\"ev\":\"remote_timeout\",\"avIndex\":%d", av);
    UNLOCK(st);
    return AV_ER_REMOTE_TIMEOUT_DISCONNECT;
  }
  if (sc->drop_every > 0 && (index + 1) % sc->drop_every == 0) {
    if (out_frame_no) *out_frame_no = (unsigned int)index;
    UNLOCK(st);
    return AV_ER_LOSED_THIS_FRAME;
  }
  uint8_t *frame = NULL;
  int keyframe = 0;
  int len = fake_video_frame(sc, index, &frame, &keyframe);
  if (len < 0 || !frame) { UNLOCK(st); return AV_ER_DATA_NOREADY; }
  if (out_frame_no) *out_frame_no = (unsigned int)index;
  if (out_expected) *out_expected = len;
  if (len > buf_max) {
    free(frame);
    UNLOCK(st);
    return AV_ER_BUFPARA_MAXSIZE_INSUFF;
  }
  uint8_t info_bytes[64];
  int info_len = fake_video_info(sc, index, keyframe, len, info_bytes);
  int copy_info = info_len < info_max ? info_len : info_max;
  if (info && copy_info > 0) memcpy(info, info_bytes, (size_t)copy_info);
  if (out_info_len) *out_info_len = copy_info > 0 ? copy_info : 0;
  int ret = len;
  if (sc->incomplete_every > 0 && (index + 1) % sc->incomplete_every == 0) {
    int half = len / 2;
    memcpy(buf, frame, (size_t)half);
    if (out_actual) *out_actual = half;
    ret = AV_ER_INCOMPLETE_FRAME;
  } else {
    memcpy(buf, frame, (size_t)len);
    if (out_actual) *out_actual = len;
    c->frames_delivered++;
    st->frames_total++;
  }
  free(frame);
  UNLOCK(st);
  return ret;
}

static long audio_due(struct fake_channel *c) {
  return (long)((FakeTutk_NowMs() - c->audio_t0) / AUDIO_INTERVAL_MS) + 1;
}

int avCheckAudioBuf(int av) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avCheckAudioBuf");
  if (!valid_channel(st, av)) { UNLOCK(st); return AV_ER_INVALID_ARG; }
  struct fake_channel *c = &st->channels[av];
  int failure = channel_failure(st, c);
  int ret = failure ? failure : c->audio_on ? (int)(audio_due(c) - c->audio_index) : 0;
  UNLOCK(st);
  return ret < 0 ? 0 : ret;
}

int avRecvAudioData(int av, char *buf, int max, char *info, int info_max, unsigned int *frame_no) {
  struct fake_state *st = FakeTutk_Shared();
  LOCK(st);
  FakeTutk_Count("avRecvAudioData");
  if (!valid_channel(st, av)) { UNLOCK(st); return AV_ER_INVALID_ARG; }
  struct fake_channel *c = &st->channels[av];
  int failure = channel_failure(st, c);
  if (failure) { UNLOCK(st); return failure; }
  if (!c->audio_on || c->audio_index >= audio_due(c)) { UNLOCK(st); return AV_ER_DATA_NOREADY; }
  if (audio_due(c) - c->audio_index > 100) c->audio_index = audio_due(c) - 100;
  long index = c->audio_index++;
  uint8_t frame[2048];
  int len = fake_audio_frame(&st->sc, index, frame, sizeof(frame));
  if (len > max) { UNLOCK(st); return AV_ER_BUFPARA_MAXSIZE_INSUFF; }
  memcpy(buf, frame, (size_t)len);
  uint8_t info_bytes[16];
  int info_len = fake_audio_info(&st->sc, index, info_bytes);
  int copy_info = info_len < info_max ? info_len : info_max;
  if (info && copy_info > 0) memcpy(info, info_bytes, (size_t)copy_info);
  if (frame_no) *frame_no = (unsigned int)index;
  UNLOCK(st);
  return len;
}
