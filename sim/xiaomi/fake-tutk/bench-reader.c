/*
 * Baseline of the Xiaomi benchmark: a plain C loop that reads N fake cameras through the fake
 * libIOTCAPIs_ALL.so directly, polling like the node does (a short sleep when no frame is ready)
 * and copying each frame out once. Prints one JSON object: frames read, library polls and the CPU
 * time used. Cameras that send nothing (FAKE_TUTK_SCENARIO start_payload=struct8) measure idling.
 *   bench-reader <libIOTCAPIs_ALL.so> <cameras> <seconds>
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef int (*init2_fn)(unsigned short);
typedef int (*int_fn)(void);
typedef int (*av_init_fn)(int);
typedef int (*connect_fn)(const char *, int);
typedef int (*start2_fn)(int, const char *, const char *, unsigned int, unsigned int *, unsigned char, int *);
typedef int (*ioctrl_fn)(int, unsigned int, const char *, int);
typedef int (*recv_fn)(int, char *, int, int *, int *, char *, int, int *, unsigned int *);
typedef void (*stop_fn)(int);

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

#define SYM(type, name) type name = (type)dlsym(lib, #name); if (!name) { fprintf(stderr, "missing %s\n", #name); return 2; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s lib cameras seconds\n", argv[0]); return 2; }
  int cameras = atoi(argv[2]);
  double seconds = atof(argv[3]);
  if (cameras < 1 || cameras > 32) return 2;
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 2; }
  SYM(init2_fn, IOTC_Initialize2)
  SYM(av_init_fn, avInitialize)
  SYM(int_fn, IOTC_Get_SessionID)
  SYM(connect_fn, IOTC_Connect_ByUID_Parallel)
  SYM(start2_fn, avClientStart2)
  SYM(ioctrl_fn, avSendIOCtrl)
  SYM(recv_fn, avRecvFrameData2)
  SYM(stop_fn, avClientStop)
  SYM(stop_fn, IOTC_Session_Close)
  SYM(int_fn, avDeInitialize)
  SYM(int_fn, IOTC_DeInitialize)
  IOTC_Initialize2(0);
  avInitialize(cameras);
  int av[32];
  int sid[32];
  for (int i = 0; i < cameras; i++) {
    sid[i] = IOTC_Get_SessionID();
    if (IOTC_Connect_ByUID_Parallel("FAKEUID0000000000001", sid[i]) < 0) return 3;
    unsigned int serv = 0;
    int resend = 0;
    av[i] = avClientStart2(sid[i], "admin", "888888", 10, &serv, 0, &resend);
    if (av[i] < 0) return 3;
    avSendIOCtrl(av[i], 0x01FF, "{}", 2);
  }
  int buf_max = 2 * 1024 * 1024;
  char *buf = malloc((size_t)buf_max);
  char info[64];
  long frames = 0;
  long polls = 0;
  long long bytes = 0;
  double cpu0 = cpu_s();
  double t0 = now_s();
  while (now_s() - t0 < seconds) {
    int got = 0;
    for (int i = 0; i < cameras; i++) {
      int actual = 0, expected = 0, info_len = 0;
      unsigned int frame_no = 0;
      int n = avRecvFrameData2(av[i], buf, buf_max, &actual, &expected, info, sizeof(info), &info_len, &frame_no);
      polls++;
      if (n >= 0) {
        char *copy = malloc((size_t)n + 1); /* the copy-out every frame needs */
        memcpy(copy, buf, (size_t)n);
        bytes += copy[n / 2];
        free(copy);
        frames++;
        got = 1;
      }
    }
    if (!got) {
      struct timespec ts = { 0, 10 * 1000000L };
      nanosleep(&ts, NULL);
    }
  }
  double cpu = cpu_s() - cpu0;
  double wall = now_s() - t0;
  for (int i = 0; i < cameras; i++) {
    avClientStop(av[i]);
    IOTC_Session_Close(sid[i]);
  }
  avDeInitialize();
  IOTC_DeInitialize();
  free(buf);
  printf("{\"frames\":%ld,\"polls\":%ld,\"cpuSeconds\":%.6f,\"wallSeconds\":%.6f,\"checksum\":%lld}\n", frames, polls, cpu, wall, bytes);
  return 0;
}
