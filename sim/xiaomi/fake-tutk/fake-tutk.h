/*
 * Test double of the ThroughTek (TUTK) IOTC and AV client libraries: the state shared by the fake
 * libIOTCAPIs.so (which owns it) and the fake libAVAPIs.so (which reaches it through exported
 * FakeTutk_* functions, so that AV cannot be loaded before IOTC is loaded globally, as with the
 * vendor's pair). Spec: docs/protocols/xiaomi.md §1.2 (signatures), §2 (error codes), §6.
 * Written from the spec for this repository; no vendor code.
 */
#ifndef FAKE_TUTK_H
#define FAKE_TUTK_H

#include <pthread.h>
#include <stdint.h>

#define FAKE_MAX_SESSIONS 64
#define FAKE_MAX_CHANNELS 64
#define FAKE_MAX_IOCTRL_LOG 64
#define FAKE_MAX_REPLIES 8

/* Error codes used by the fake (spec §2). */
#define IOTC_ER_NoERROR 0
#define IOTC_ER_ALREADY_INITIALIZED (-3)
#define IOTC_ER_UNLICENSE (-10)
#define IOTC_ER_NOT_INITIALIZED (-12)
#define IOTC_ER_INVALID_SID (-14)
#define IOTC_ER_EXCEED_MAX_SESSION (-18)
#define IOTC_ER_CAN_NOT_FIND_DEVICE (-19)
#define IOTC_ER_SESSION_CLOSE_BY_REMOTE (-22)
#define IOTC_ER_REMOTE_TIMEOUT_DISCONNECT (-23)
#define IOTC_ER_FAIL_CONNECT_SEARCH (-27)
#define AV_ER_INVALID_ARG (-20000)
#define AV_ER_BUFPARA_MAXSIZE_INSUFF (-20001)
#define AV_ER_EXCEED_MAX_CHANNEL (-20002)
#define AV_ER_WRONG_VIEWACCorPWD (-20009)
#define AV_ER_TIMEOUT (-20011)
#define AV_ER_DATA_NOREADY (-20012)
#define AV_ER_INCOMPLETE_FRAME (-20013)
#define AV_ER_LOSED_THIS_FRAME (-20014)
#define AV_ER_SESSION_CLOSE_BY_REMOTE (-20015)
#define AV_ER_REMOTE_TIMEOUT_DISCONNECT (-20016)
#define AV_ER_CLIENT_EXIT (-20018)
#define AV_ER_NOT_INITIALIZED (-20019)
#define AV_ER_SENDIOCTRL_ALREADY_CALLED (-20021)
#define AV_ER_SENDIOCTRL_EXIT (-20022)

/* st_SInfo, 64 bytes with natural alignment (spec §1.2 table). */
typedef struct {
  uint8_t Mode;
  int8_t CorD;
  char UID[21];
  char RemoteIP[17];
  uint16_t RemotePort;
  uint32_t TX_Packetcount;
  uint32_t RX_Packetcount;
  uint32_t IOTCVersion;
  uint16_t VID;
  uint16_t PID;
  uint16_t GID;
  uint8_t NatType;
  uint8_t isSecure;
} st_SInfo;

enum fake_start_payload { PAYLOAD_ANY = 0, PAYLOAD_JSON, PAYLOAD_STRUCT8, PAYLOAD_BYTE1 };
enum fake_codec { CODEC_H264 = 0, CODEC_H265 };
enum fake_audio { AUDIO_PCMA = 0, AUDIO_PCMU, AUDIO_PCM, AUDIO_AAC };

/* Scenario knobs (spec §6), set by FakeTutk_SetScenario or FAKE_TUTK_SCENARIO. */
struct fake_scenario {
  int init_err;
  int av_max;                /* 0: echo the caller's value */
  int max_sessions;
  int connect_err;
  int connect_ms;            /* -1: until stopped */
  int connect_ignores_stop;  /* a library that hangs in connect */
  int unknown_uid_ms;        /* wait before -19 when the UID differs from `uid` */
  char uid[32];              /* empty: any well-formed UID is "the camera" */
  int session_dead_after_ms; /* 0: never */
  int mode;                  /* st_SInfo.Mode: 0 P2P, 1 relay, 2 LAN */
  int start_err;
  int start_ms;
  char user[64];
  char pass[64];
  int ioctrl_ms;
  int start_payload;
  int fps;
  int gop;
  int codec;
  int codec_id;              /* 0: the id that belongs to `codec` */
  int width;
  int height;
  int info;                  /* 16, 24, 40, 48 or 64 (Xiaomi layout) */
  int drop_every;
  int incomplete_every;
  int close_after_frames;
  int timeout_after_frames;
  int segv_after_frames;     /* a native crash inside avRecvFrameData2 */
  int flags_bogus;
  int audio_codec;
};

struct fake_session {
  int in_use;
  int connecting;
  int connected;
  int stop;
  int client_exit; /* avClientExit(SID, ch) arrived: a pending avClientStart2 gives up */
  int64_t connected_at;
  char uid[32];
};

struct fake_channel {
  int in_use;
  int sid;
  int exit;
  int sending;
  int video_on;
  int audio_on;
  int64_t video_t0;
  int64_t audio_t0;
  long frames_due_base;
  long frame_index;     /* next frame to produce */
  long frames_delivered;
  long polls;           /* avRecvFrameData2 calls on this channel, DATA_NOREADY included */
  long audio_index;
  int closed_by_remote; /* 0, or the AV error every later call returns */
  int reply_count;
  uint32_t reply_type[FAKE_MAX_REPLIES];
  int reply_len[FAKE_MAX_REPLIES];
  uint8_t reply[FAKE_MAX_REPLIES][64];
};

struct fake_ioctrl {
  uint32_t type;
  int len;
  char hex[129]; /* the first 64 bytes */
};

struct fake_state {
  pthread_mutex_t lock;
  int scenario_loaded;
  struct fake_scenario sc;
  int iotc_init;
  int av_init;
  int av_max;
  struct fake_session sessions[FAKE_MAX_SESSIONS];
  struct fake_channel channels[FAKE_MAX_CHANNELS];
  int sessions_opened, sessions_freed, channels_opened, channels_closed;
  int leaked_at_deinit;
  int ioctrl_count;
  struct fake_ioctrl ioctrl[FAKE_MAX_IOCTRL_LOG];
  long frames_total;
  char teardown[512];
};

/* Exported by the fake libIOTCAPIs.so; the fake libAVAPIs.so calls them unresolved. */
struct fake_state *FakeTutk_Shared(void);
void FakeTutk_Count(const char *symbol);
void FakeTutk_Event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void FakeTutk_Teardown(const char *step);
int64_t FakeTutk_NowMs(void);
void FakeTutk_SleepMs(int ms);
/* 0, or the IOTC error IOTC_Session_Check would return; call with the lock held. */
int FakeTutk_SessionHealth(int sid);

/* fake-stream.c: the synthetic media (owned by the AV side). */
/* Returns the length of a malloc'd access unit in *out (the caller frees it), or -1. */
int fake_video_frame(const struct fake_scenario *sc, long index, uint8_t **out, int *keyframe);
int fake_video_info(const struct fake_scenario *sc, long index, int keyframe, int frame_len, uint8_t *info);
int fake_audio_frame(const struct fake_scenario *sc, long index, uint8_t *out, int max);
int fake_audio_info(const struct fake_scenario *sc, long index, uint8_t *info);

#endif
