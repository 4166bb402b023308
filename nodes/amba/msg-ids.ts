// The msg_id numbers of the 7878 protocol that this room uses, named as in the Ambarella
// reference server (spec §3). Requests and replies carry the same msg_id; 7 and 1793 come from
// the camera unasked.

export const MsgId = {
  GET_SETTING: 1,
  SET_SETTING: 2,
  GET_ALL_CURRENT_SETTINGS: 3,
  FORMAT: 4,
  GET_SPACE: 5,
  NOTIFICATION: 7,
  GET_SINGLE_SETTING_OPTIONS: 9,
  GET_DEVICEINFO: 11,
  GET_BATTERY_LEVEL: 13,
  START_SESSION: 257,
  STOP_SESSION: 258,
  RESET_VF: 259,
  STOP_VF: 260,
  SET_CLNT_INFO: 261,
  RECORD_START: 513,
  RECORD_STOP: 514,
  GET_RECORD_TIME: 515,
  TAKE_PHOTO: 769,
  GET_THUMB: 1025,
  GET_MEDIAINFO: 1026,
  DEL_FILE: 1281,
  LS: 1282,
  CD: 1283,
  PWD: 1284,
  GET_FILE: 1285,
  PUT_FILE: 1286,
  CANCEL_FILE_XFER: 1287,
  QUERY_SESSION_HOLDER: 1793,
  /** Mijia only; reported both as a ping and as "restarts Wi-Fi" (spec §12.1): opt-in. */
  MIJIA_PING: 1794,
  /** Yi custom: restart Wi-Fi (may take ~2 min). */
  YI_WIFI_RESTART: 0x1000009,
} as const;

/** Requests that may legitimately take minutes (spec §2.2). */
export const LONG_RUNNING: ReadonlySet<number> = new Set([MsgId.FORMAT, MsgId.YI_WIFI_RESTART]);
