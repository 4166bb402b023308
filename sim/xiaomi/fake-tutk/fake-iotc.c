/*
 * Fake libIOTCAPIs.so: the IOTC_* session functions of spec §1.2 with the behaviour the spec
 * observed on the vendor's x86-64 library (§0.1), the scenario knobs and call log of §6, and the
 * shared state that the fake libAVAPIs.so reaches through FakeTutk_Shared().
 * No sockets: a "connection" is a wait on the wall clock that Connect_Stop_BySID can cut short.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake-tutk.h"

#define VERSION_PACKED 0x02010300u /* 2.1.3.0, as the x64 vendor library reports (§0.1) */

static struct fake_state state = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Per-symbol call counts, for FakeTutk_GetLog. */
static const char *const symbols[] = {
  "IOTC_Get_Version", "IOTC_Set_Max_Session_Number", "IOTC_Initialize2", "IOTC_DeInitialize",
  "IOTC_Get_SessionID", "IOTC_Connect_ByUID_Parallel", "IOTC_Connect_Stop_BySID", "IOTC_Session_Check",
  "IOTC_Session_Check_Ex", "IOTC_Session_Close", "IOTC_Lan_Search", "IOTC_Setup_LANConnection_Timeout",
  "IOTC_Setup_P2PConnection_Timeout", "IOTC_Set_Log_Path", "avGetAVApiVer", "avInitialize", "avDeInitialize",
  "avClientStart", "avClientStart2", "avClientExit", "avClientStop", "avClientSetMaxBufSize", "avClientCleanBuf",
  "avClientCleanVideoBuf", "avClientCleanLocalBuf", "avClientCleanLocalVideoBuf", "avClientCleanAudioBuf",
  "avSendIOCtrl", "avSendIOCtrlExit", "avRecvIOCtrl", "avRecvFrameData2", "avRecvAudioData", "avCheckAudioBuf",
};
#define SYMBOL_COUNT ((int)(sizeof(symbols) / sizeof(symbols[0])))
static long call_counts[SYMBOL_COUNT];

int64_t FakeTutk_NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void FakeTutk_SleepMs(int ms) {
  struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

static void scenario_defaults(struct fake_scenario *sc) {
  memset(sc, 0, sizeof(*sc));
  sc->max_sessions = 16;
  sc->connect_ms = 20;
  sc->unknown_uid_ms = 2000;
  sc->mode = 2;
  strcpy(sc->user, "admin");
  strcpy(sc->pass, "888888");
  sc->fps = 15;
  sc->gop = 15;
  sc->width = 64;
  sc->height = 48;
  sc->info = 24;
}

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static void copy_value(char *dst, size_t size, const char *src, size_t len) {
  if (len >= size) len = size - 1;
  memcpy(dst, src, len);
  dst[len] = 0;
}

/* One key=value pair; unknown keys are ignored so that old tests keep running. */
static void scenario_set(struct fake_scenario *sc, const char *key, size_t klen, const char *val, size_t vlen) {
  char v[128];
  copy_value(v, sizeof(v), val, vlen);
  int n = atoi(v);
#define KEY(name) (klen == strlen(name) && strncmp(key, name, klen) == 0)
  if (KEY("init_err")) sc->init_err = n;
  else if (KEY("av_max")) sc->av_max = n;
  else if (KEY("max_sessions")) sc->max_sessions = clamp(n, 1, FAKE_MAX_SESSIONS);
  else if (KEY("connect_err")) sc->connect_err = n;
  else if (KEY("connect_ms")) sc->connect_ms = n;
  else if (KEY("connect_ignores_stop")) sc->connect_ignores_stop = n;
  else if (KEY("unknown_uid_ms")) sc->unknown_uid_ms = n;
  else if (KEY("uid")) copy_value(sc->uid, sizeof(sc->uid), val, vlen);
  else if (KEY("session_dead_after_ms")) sc->session_dead_after_ms = n;
  else if (KEY("mode")) sc->mode = clamp(n, 0, 2);
  else if (KEY("start_err")) sc->start_err = n;
  else if (KEY("start_ms")) sc->start_ms = n;
  else if (KEY("user")) copy_value(sc->user, sizeof(sc->user), val, vlen);
  else if (KEY("pass")) copy_value(sc->pass, sizeof(sc->pass), val, vlen);
  else if (KEY("ioctrl_ms")) sc->ioctrl_ms = n;
  else if (KEY("start_payload")) {
    sc->start_payload = strcmp(v, "json") == 0 ? PAYLOAD_JSON : strcmp(v, "struct8") == 0 ? PAYLOAD_STRUCT8
      : strcmp(v, "byte1") == 0 ? PAYLOAD_BYTE1 : PAYLOAD_ANY;
  }
  else if (KEY("fps")) sc->fps = clamp(n, 1, 120);
  else if (KEY("gop")) sc->gop = clamp(n, 1, 1000);
  else if (KEY("codec")) sc->codec = strcmp(v, "h265") == 0 ? CODEC_H265 : CODEC_H264;
  else if (KEY("codec_id")) sc->codec_id = n;
  else if (KEY("width")) sc->width = clamp(n / 16 * 16, 16, 1920);
  else if (KEY("height")) sc->height = clamp(n / 16 * 16, 16, 1088);
  else if (KEY("info")) sc->info = (n == 16 || n == 24 || n == 40 || n == 48 || n == 64) ? n : 24;
  else if (KEY("drop_every")) sc->drop_every = n;
  else if (KEY("incomplete_every")) sc->incomplete_every = n;
  else if (KEY("close_after_frames")) sc->close_after_frames = n;
  else if (KEY("timeout_after_frames")) sc->timeout_after_frames = n;
  else if (KEY("segv_after_frames")) sc->segv_after_frames = n;
  else if (KEY("flags_bogus")) sc->flags_bogus = n;
  else if (KEY("audio_codec")) {
    sc->audio_codec = strcmp(v, "pcmu") == 0 ? AUDIO_PCMU : strcmp(v, "pcm") == 0 ? AUDIO_PCM
      : strcmp(v, "aac") == 0 ? AUDIO_AAC : AUDIO_PCMA;
  }
#undef KEY
}

static void scenario_parse(struct fake_scenario *sc, const char *kv) {
  const char *p = kv;
  while (p && *p) {
    const char *end = strchr(p, ';');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    if (eq) {
      const char *k = p;
      size_t klen = (size_t)(eq - p);
      while (klen && isspace((unsigned char)*k)) { k++; klen--; }
      scenario_set(sc, k, klen, eq + 1, len - (size_t)(eq + 1 - p));
    }
    p = end ? end + 1 : NULL;
  }
}

/* The environment's scenario applies from the first call, so a child process needs no hook calls. */
static void ensure_scenario(void) {
  if (state.scenario_loaded) return;
  state.scenario_loaded = 1;
  scenario_defaults(&state.sc);
  scenario_parse(&state.sc, getenv("FAKE_TUTK_SCENARIO"));
}

struct fake_state *FakeTutk_Shared(void) {
  ensure_scenario();
  return &state;
}

void FakeTutk_Count(const char *symbol) {
  for (int i = 0; i < SYMBOL_COUNT; i++) {
    if (strcmp(symbols[i], symbol) == 0) { call_counts[i]++; return; }
  }
}

/* One JSON line per event, appended to $FAKE_TUTK_LOG: it survives a crash of the process. */
void FakeTutk_Event(const char *fmt, ...) {
  const char *path = getenv("FAKE_TUTK_LOG");
  if (!path || !*path) return;
  char body[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof(body), fmt, ap);
  va_end(ap);
  char line[896];
  int n = snprintf(line, sizeof(line), "{\"pid\":%d,\"t\":%lld,%s}\n", (int)getpid(), (long long)FakeTutk_NowMs(), body);
  if (n <= 0) return;
  if (n >= (int)sizeof(line)) n = (int)sizeof(line) - 1;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t ignored = write(fd, line, (size_t)n);
  (void)ignored;
  close(fd);
}

void FakeTutk_Teardown(const char *step) {
  size_t used = strlen(state.teardown);
  if (used + strlen(step) + 2 < sizeof(state.teardown)) {
    if (used) strcat(state.teardown, ",");
    strcat(state.teardown, step);
  }
}

static int valid_sid(int sid) { return sid >= 0 && sid < FAKE_MAX_SESSIONS && state.sessions[sid].in_use; }

static void free_session(int sid, const char *why) {
  memset(&state.sessions[sid], 0, sizeof(state.sessions[sid]));
  state.sessions_freed++;
  FakeTutk_Event("\"ev\":\"session_free\",\"sid\":%d,\"why\":\"%s\"", sid, why);
}

/* ---- IOTC API ---- */

void IOTC_Get_Version(unsigned int *version) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Get_Version");
  pthread_mutex_unlock(&state.lock);
  if (version) *version = VERSION_PACKED;
}

void IOTC_Set_Max_Session_Number(unsigned int n) {
  pthread_mutex_lock(&state.lock);
  ensure_scenario();
  FakeTutk_Count("IOTC_Set_Max_Session_Number");
  if (!state.iotc_init && n > 0) state.sc.max_sessions = clamp((int)n, 1, FAKE_MAX_SESSIONS);
  pthread_mutex_unlock(&state.lock);
}

void IOTC_Setup_LANConnection_Timeout(unsigned int ms) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Setup_LANConnection_Timeout");
  FakeTutk_Event("\"ev\":\"lan_timeout\",\"ms\":%u", ms);
  pthread_mutex_unlock(&state.lock);
}

void IOTC_Setup_P2PConnection_Timeout(unsigned int ms) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Setup_P2PConnection_Timeout");
  FakeTutk_Event("\"ev\":\"p2p_timeout\",\"ms\":%u", ms);
  pthread_mutex_unlock(&state.lock);
}

void IOTC_Set_Log_Path(char *path, int max_bytes) {
  (void)path;
  (void)max_bytes;
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Set_Log_Path");
  pthread_mutex_unlock(&state.lock);
}

int IOTC_Initialize2(unsigned short udp_port) {
  (void)udp_port;
  pthread_mutex_lock(&state.lock);
  ensure_scenario();
  FakeTutk_Count("IOTC_Initialize2");
  int ret;
  if (state.sc.init_err) ret = state.sc.init_err;
  else if (state.iotc_init) ret = IOTC_ER_ALREADY_INITIALIZED;
  else { state.iotc_init = 1; ret = 0; }
  FakeTutk_Event("\"ev\":\"IOTC_Initialize2\",\"ret\":%d", ret);
  pthread_mutex_unlock(&state.lock);
  return ret;
}

int IOTC_DeInitialize(void) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_DeInitialize");
  FakeTutk_Teardown("IOTC_DeInitialize");
  int leaked = 0;
  for (int sid = 0; sid < FAKE_MAX_SESSIONS; sid++) {
    if (state.sessions[sid].in_use) { leaked++; free_session(sid, "deinit"); }
  }
  state.leaked_at_deinit += leaked;
  int ret = state.iotc_init ? 0 : IOTC_ER_NOT_INITIALIZED;
  state.iotc_init = 0;
  FakeTutk_Event("\"ev\":\"IOTC_DeInitialize\",\"ret\":%d,\"leakedSessions\":%d,\"avStillInitialised\":%d", ret, leaked, state.av_init);
  pthread_mutex_unlock(&state.lock);
  return ret;
}

int IOTC_Get_SessionID(void) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Get_SessionID");
  int ret = IOTC_ER_NOT_INITIALIZED;
  if (state.iotc_init) {
    ret = IOTC_ER_EXCEED_MAX_SESSION;
    for (int sid = 0; sid < state.sc.max_sessions; sid++) {
      if (!state.sessions[sid].in_use) {
        memset(&state.sessions[sid], 0, sizeof(state.sessions[sid]));
        state.sessions[sid].in_use = 1;
        state.sessions_opened++;
        ret = sid;
        break;
      }
    }
  }
  FakeTutk_Event("\"ev\":\"session_open\",\"sid\":%d", ret);
  pthread_mutex_unlock(&state.lock);
  return ret;
}

static int well_formed_uid(const char *uid) {
  if (!uid || strlen(uid) != 20) return 0;
  for (int i = 0; i < 20; i++) {
    if (!(isupper((unsigned char)uid[i]) || isdigit((unsigned char)uid[i]))) return 0;
  }
  return 1;
}

int IOTC_Connect_ByUID_Parallel(const char *uid, int sid) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Connect_ByUID_Parallel");
  if (!state.iotc_init) { pthread_mutex_unlock(&state.lock); return IOTC_ER_NOT_INITIALIZED; }
  if (!valid_sid(sid)) { pthread_mutex_unlock(&state.lock); return IOTC_ER_INVALID_SID; }
  if (!well_formed_uid(uid)) {
    /* Observed: a malformed UID fails at once and the SID stays allocated (§0.1). */
    FakeTutk_Event("\"ev\":\"connect\",\"sid\":%d,\"ret\":%d", sid, IOTC_ER_UNLICENSE);
    pthread_mutex_unlock(&state.lock);
    return IOTC_ER_UNLICENSE;
  }
  struct fake_session *s = &state.sessions[sid];
  s->connecting = 1;
  copy_value(s->uid, sizeof(s->uid), uid, strlen(uid));
  int unknown = state.sc.uid[0] && strcmp(state.sc.uid, uid) != 0;
  int wait_ms = unknown ? state.sc.unknown_uid_ms : state.sc.connect_ms;
  int ignores_stop = state.sc.connect_ignores_stop;
  FakeTutk_Event("\"ev\":\"connect_begin\",\"sid\":%d,\"uid\":\"%s\"", sid, s->uid);
  int64_t until = FakeTutk_NowMs() + wait_ms;
  int stopped = 0;
  while (wait_ms < 0 || FakeTutk_NowMs() < until) {
    if (s->stop && !ignores_stop) { stopped = 1; break; }
    pthread_mutex_unlock(&state.lock);
    FakeTutk_SleepMs(5);
    pthread_mutex_lock(&state.lock);
  }
  int ret;
  if (stopped) ret = IOTC_ER_FAIL_CONNECT_SEARCH;
  else if (state.sc.connect_err) ret = state.sc.connect_err;
  else if (unknown) ret = IOTC_ER_CAN_NOT_FIND_DEVICE;
  else ret = sid;
  FakeTutk_Event("\"ev\":\"connect\",\"sid\":%d,\"ret\":%d", sid, ret);
  if (ret < 0) free_session(sid, "connect failed"); /* the library frees the SID on failure */
  else {
    s->connecting = 0;
    s->connected = 1;
    s->connected_at = FakeTutk_NowMs();
  }
  pthread_mutex_unlock(&state.lock);
  return ret;
}

int IOTC_Connect_Stop_BySID(int sid) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Connect_Stop_BySID");
  int ret = valid_sid(sid) ? 0 : IOTC_ER_INVALID_SID;
  if (ret == 0) state.sessions[sid].stop = 1;
  FakeTutk_Event("\"ev\":\"connect_stop\",\"sid\":%d,\"ret\":%d", sid, ret);
  pthread_mutex_unlock(&state.lock);
  return ret;
}

/* The session's health as the AV side sees it: 0, or the IOTC error a check returns. */
static int session_health(int sid) {
  if (!valid_sid(sid) || !state.sessions[sid].connected) return IOTC_ER_INVALID_SID;
  int dead_after = state.sc.session_dead_after_ms;
  if (dead_after > 0 && FakeTutk_NowMs() - state.sessions[sid].connected_at >= dead_after) return IOTC_ER_REMOTE_TIMEOUT_DISCONNECT;
  for (int i = 0; i < FAKE_MAX_CHANNELS; i++) {
    struct fake_channel *c = &state.channels[i];
    if (c->in_use && c->sid == sid && c->closed_by_remote) {
      return c->closed_by_remote == AV_ER_SESSION_CLOSE_BY_REMOTE ? IOTC_ER_SESSION_CLOSE_BY_REMOTE : IOTC_ER_REMOTE_TIMEOUT_DISCONNECT;
    }
  }
  return 0;
}

int FakeTutk_SessionHealth(int sid) { return session_health(sid); }

int IOTC_Session_Check(int sid, st_SInfo *info) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Session_Check");
  int ret = session_health(sid);
  if (ret == 0 && info) {
    memset(info, 0, sizeof(*info));
    info->Mode = (uint8_t)state.sc.mode;
    info->CorD = 0;
    copy_value(info->UID, sizeof(info->UID), state.sessions[sid].uid, strlen(state.sessions[sid].uid));
    strcpy(info->RemoteIP, "127.0.0.1");
    info->RemotePort = 32761;
    info->IOTCVersion = VERSION_PACKED;
  }
  pthread_mutex_unlock(&state.lock);
  return ret;
}

int IOTC_Session_Check_Ex(int sid, void *info_ex) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Session_Check_Ex");
  int ret = session_health(sid);
  if (ret == 0 && info_ex) {
    uint32_t size;
    memcpy(&size, info_ex, 4);
    if (size != 76) ret = -46;
    else {
      uint8_t *p = info_ex;
      memset(p + 4, 0, 72);
      p[4] = (uint8_t)state.sc.mode;
      copy_value((char *)p + 6, 21, state.sessions[sid].uid, strlen(state.sessions[sid].uid));
      strcpy((char *)p + 27, "127.0.0.1");
    }
  }
  pthread_mutex_unlock(&state.lock);
  return ret;
}

void IOTC_Session_Close(int sid) {
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Session_Close");
  FakeTutk_Teardown("IOTC_Session_Close");
  if (valid_sid(sid)) {
    int open_channels = 0;
    for (int i = 0; i < FAKE_MAX_CHANNELS; i++) open_channels += state.channels[i].in_use && state.channels[i].sid == sid;
    FakeTutk_Event("\"ev\":\"session_close\",\"sid\":%d,\"channelsStillOpen\":%d", sid, open_channels);
    free_session(sid, "closed");
  } else {
    /* The vendor library does not check handles and may crash here; the fake records the misuse. */
    FakeTutk_Event("\"ev\":\"misuse\",\"call\":\"IOTC_Session_Close\",\"sid\":%d", sid);
  }
  pthread_mutex_unlock(&state.lock);
}

int IOTC_Lan_Search(void *results, int max, int wait_ms) {
  (void)results;
  (void)max;
  pthread_mutex_lock(&state.lock);
  FakeTutk_Count("IOTC_Lan_Search");
  pthread_mutex_unlock(&state.lock);
  if (wait_ms > 0) FakeTutk_SleepMs(wait_ms < 2000 ? wait_ms : 2000);
  return 0;
}

/* ---- test hooks ---- */

/* Forgets sessions, channels, counters and the scenario; keeps the initialisation, which a
 * process does once (tests in one process share the initialised library). */
void FakeTutk_Reset(void) {
  pthread_mutex_lock(&state.lock);
  int iotc_init = state.iotc_init, av_init = state.av_init, av_max = state.av_max;
  /* The lock is the first member and stays as it is (held by this thread). */
  memset((char *)&state + sizeof(state.lock), 0, sizeof(state) - sizeof(state.lock));
  state.iotc_init = iotc_init;
  state.av_init = av_init;
  state.av_max = av_max;
  memset(call_counts, 0, sizeof(call_counts));
  state.scenario_loaded = 1;
  scenario_defaults(&state.sc);
  pthread_mutex_unlock(&state.lock);
}

int FakeTutk_SetScenario(const char *kv) {
  pthread_mutex_lock(&state.lock);
  ensure_scenario();
  scenario_parse(&state.sc, kv);
  FakeTutk_Event("\"ev\":\"scenario\",\"fps\":%d,\"info\":%d", state.sc.fps, state.sc.info);
  pthread_mutex_unlock(&state.lock);
  return 0;
}

static int append(char *buf, int max, int used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int append(char *buf, int max, int used, const char *fmt, ...) {
  if (used >= max) return used;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + used, (size_t)(max - used), fmt, ap);
  va_end(ap);
  return n < 0 ? used : used + n;
}

/* JSON summary; returns the length it needed (as snprintf), so a caller can retry with more room. */
int FakeTutk_GetLog(char *buf, int max) {
  if (!buf || max <= 0) return -1;
  pthread_mutex_lock(&state.lock);
  int open_sessions = 0, open_channels = 0;
  for (int i = 0; i < FAKE_MAX_SESSIONS; i++) open_sessions += state.sessions[i].in_use;
  for (int i = 0; i < FAKE_MAX_CHANNELS; i++) open_channels += state.channels[i].in_use;
  int used = append(buf, max, 0, "{\"calls\":{");
  int first = 1;
  for (int i = 0; i < SYMBOL_COUNT; i++) {
    if (!call_counts[i]) continue;
    used = append(buf, max, used, "%s\"%s\":%ld", first ? "" : ",", symbols[i], call_counts[i]);
    first = 0;
  }
  used = append(buf, max, used, "},\"openSessions\":%d,\"openChannels\":%d,\"sessionsOpened\":%d,\"sessionsFreed\":%d,"
    "\"channelsOpened\":%d,\"channelsClosed\":%d,\"leakedAtDeinit\":%d,\"iotcInitialised\":%d,\"avInitialised\":%d,"
    "\"framesTotal\":%ld,\"ioctrl\":[",
    open_sessions, open_channels, state.sessions_opened, state.sessions_freed, state.channels_opened,
    state.channels_closed, state.leaked_at_deinit, state.iotc_init, state.av_init, state.frames_total);
  for (int i = 0; i < state.ioctrl_count && i < FAKE_MAX_IOCTRL_LOG; i++) {
    used = append(buf, max, used, "%s{\"type\":%u,\"len\":%d,\"hex\":\"%s\"}", i ? "," : "", state.ioctrl[i].type,
      state.ioctrl[i].len, state.ioctrl[i].hex);
  }
  used = append(buf, max, used, "],\"teardown\":\"%s\"}", state.teardown);
  pthread_mutex_unlock(&state.lock);
  if (used >= max) buf[max - 1] = 0;
  return used;
}
