// IOTC and AV error codes (spec §2) with their names, and what the client does about each one:
// the error-class table that drives the frame loop and the reconnect policy.

const IOTC_NAMES: Record<number, string> = {
  0: 'NoERROR',
  [-1]: 'SERVER_NOT_RESPONSE',
  [-2]: 'FAIL_RESOLVE_HOSTNAME',
  [-3]: 'ALREADY_INITIALIZED',
  [-4]: 'FAIL_CREATE_MUTEX',
  [-5]: 'FAIL_CREATE_THREAD',
  [-6]: 'FAIL_CREATE_SOCKET',
  [-7]: 'FAIL_SOCKET_OPT',
  [-8]: 'FAIL_SOCKET_BIND',
  [-10]: 'UNLICENSE',
  [-11]: 'LOGIN_ALREADY_CALLED',
  [-12]: 'NOT_INITIALIZED',
  [-13]: 'TIMEOUT',
  [-14]: 'INVALID_SID',
  [-15]: 'UNKNOWN_DEVICE',
  [-16]: 'FAIL_GET_LOCAL_IP',
  [-17]: 'LISTEN_ALREADY_CALLED',
  [-18]: 'EXCEED_MAX_SESSION',
  [-19]: 'CAN_NOT_FIND_DEVICE',
  [-20]: 'CONNECT_IS_CALLING',
  [-22]: 'SESSION_CLOSE_BY_REMOTE',
  [-23]: 'REMOTE_TIMEOUT_DISCONNECT',
  [-24]: 'DEVICE_NOT_LISTENING',
  [-26]: 'CH_NOT_ON',
  [-27]: 'FAIL_CONNECT_SEARCH',
  [-28]: 'MASTER_TOO_FEW',
  [-29]: 'AES_CERTIFY_FAIL',
  [-31]: 'SESSION_NO_FREE_CHANNEL',
  [-32]: 'TCP_TRAVEL_FAILED',
  [-33]: 'TCP_CONNECT_TO_SERVER_FAILED',
  [-34]: 'CLIENT_NOT_SECURE_MODE',
  [-35]: 'CLIENT_SECURE_MODE',
  [-36]: 'DEVICE_NOT_SECURE_MODE',
  [-37]: 'DEVICE_SECURE_MODE',
  [-38]: 'INVALID_MODE',
  [-39]: 'EXIT_LISTEN',
  [-40]: 'NO_PERMISSION',
  [-41]: 'NETWORK_UNREACHABLE',
  [-42]: 'FAIL_SETUP_RELAY',
  [-43]: 'NOT_SUPPORT_RELAY',
  [-44]: 'NO_SERVER_LIST',
  [-45]: 'DEVICE_MULTI_LOGIN',
  [-46]: 'INVALID_ARG',
  [-47]: 'NOT_SUPPORT_PE',
  [-48]: 'DEVICE_EXCEED_MAX_SESSION',
  [-49]: 'BLOCKED_CALL',
  [-50]: 'SESSION_CLOSED',
  [-51]: 'REMOTE_NOT_SUPPORTED',
  [-52]: 'ABORTED',
  [-53]: 'EXCEED_MAX_PACKET_SIZE',
  [-54]: 'SERVER_NOT_SUPPORT',
  [-55]: 'NO_PATH_TO_WRITE_DATA',
  [-56]: 'SERVICE_IS_NOT_STARTED',
  [-57]: 'STILL_IN_PROCESSING',
  [-58]: 'NOT_ENOUGH_MEMORY',
  [-59]: 'DEVICE_IS_BANNED',
  [-60]: 'MASTER_NOT_RESPONSE',
  [-64]: 'DEVICE_IS_SLEEP',
  [-72]: 'SESSION_IN_USE',
  [-90]: 'DEVICE_OFFLINE',
  [-91]: 'MASTER_INVALID',
};

const AV_NAMES: Record<number, string> = {
  [-20000]: 'INVALID_ARG',
  [-20001]: 'BUFPARA_MAXSIZE_INSUFF',
  [-20002]: 'EXCEED_MAX_CHANNEL',
  [-20003]: 'MEM_INSUFF',
  [-20004]: 'FAIL_CREATE_THREAD',
  [-20005]: 'EXCEED_MAX_ALARM',
  [-20006]: 'EXCEED_MAX_SIZE',
  [-20007]: 'SERV_NO_RESPONSE',
  [-20008]: 'CLIENT_NO_AVLOGIN',
  [-20009]: 'WRONG_VIEWACCorPWD',
  [-20010]: 'INVALID_SID',
  [-20011]: 'TIMEOUT',
  [-20012]: 'DATA_NOREADY',
  [-20013]: 'INCOMPLETE_FRAME',
  [-20014]: 'LOSED_THIS_FRAME',
  [-20015]: 'SESSION_CLOSE_BY_REMOTE',
  [-20016]: 'REMOTE_TIMEOUT_DISCONNECT',
  [-20017]: 'SERVER_EXIT',
  [-20018]: 'CLIENT_EXIT',
  [-20019]: 'NOT_INITIALIZED',
  [-20020]: 'CLIENT_NOT_SUPPORT',
  [-20021]: 'SENDIOCTRL_ALREADY_CALLED',
  [-20022]: 'SENDIOCTRL_EXIT',
  [-20023]: 'NO_PERMISSION',
  [-20024]: 'WRONG_ACCPWD_LENGTH',
  [-20025]: 'IOTC_SESSION_CLOSED',
  [-20026]: 'IOTC_DEINITIALIZED',
  [-20027]: 'IOTC_CHANNEL_IN_USED',
  [-20028]: 'WAIT_KEY_FRAME',
};

export const IOTC_ER_ALREADY_INITIALIZED = -3;
export const IOTC_ER_UNLICENSE = -10;
export const IOTC_ER_INVALID_ARG = -46;
export const IOTC_ER_FAIL_CONNECT_SEARCH = -27;
export const IOTC_ER_NETWORK_UNREACHABLE = -41;
export const AV_ER_BUFPARA_MAXSIZE_INSUFF = -20001;
export const AV_ER_TIMEOUT = -20011;
export const AV_ER_DATA_NOREADY = -20012;
export const AV_ER_INCOMPLETE_FRAME = -20013;
export const AV_ER_LOSED_THIS_FRAME = -20014;
export const AV_ER_WAIT_KEY_FRAME = -20028;

/** "AV_ER_WRONG_VIEWACCorPWD" for -20009, "IOTC_ER_UNLICENSE" for -10. */
export function errorName(code: number): string {
  if (code >= 0) return 'OK';
  if (code <= -20000) return AV_NAMES[code] ? `AV_ER_${AV_NAMES[code]}` : `AV error ${code}`;
  if (code <= -1001 && code >= -1005) return `IOTC licence error ${code}`;
  return IOTC_NAMES[code] ? `IOTC_ER_${IOTC_NAMES[code]}` : `IOTC error ${code}`;
}

/**
 * What to do about a code (spec §2):
 * - poll: nothing ready yet, ask again shortly
 * - drop: this frame is lost, keep the session and wait for a keyframe
 * - reconnect: tear the session down and connect again with backoff
 * - config: the settings are wrong; report and stop (no retry loop)
 * - init: the library is unusable; initialise once more, then stop
 */
export type ErrorClass = 'poll' | 'drop' | 'reconnect' | 'config' | 'init';

const CONFIG = new Set([-10, -46, -20009, -20023, -20024, -40, -29, -34, -35, -36, -37]);
const INIT = new Set([-2, -4, -5, -6, -7, -8, -12, -20019, -20026, -1004, -1005]);
const DROP = new Set([AV_ER_INCOMPLETE_FRAME, AV_ER_LOSED_THIS_FRAME, AV_ER_BUFPARA_MAXSIZE_INSUFF, AV_ER_WAIT_KEY_FRAME]);

export function classifyError(code: number): ErrorClass {
  if (code === AV_ER_DATA_NOREADY) return 'poll';
  if (DROP.has(code)) return 'drop';
  if (CONFIG.has(code)) return 'config';
  if (INIT.has(code)) return 'init';
  // Everything else, named in the table or not, is treated as a lost connection: retrying with
  // backoff is the safe default for codes later SDKs added.
  return 'reconnect';
}

/** What the user reads: "AV_ER_WRONG_VIEWACCorPWD (-20009): wrong AV account or password". */
export function describeError(code: number): string {
  const hint = HINTS[code];
  return `${errorName(code)} (${code})${hint ? `: ${hint}` : ''}`;
}

const HINTS: Record<number, string> = {
  [-10]: 'the UID is malformed, expired or needs a licence key',
  [-13]: 'the camera did not answer in time',
  [-19]: 'no camera with this UID was found',
  [-22]: 'the camera closed the session',
  [-23]: 'the camera stopped answering',
  [-27]: 'the connection attempt was stopped',
  [-41]: 'no network path to the camera or the TUTK servers',
  [-42]: 'LAN, P2P and relay all failed',
  [-48]: 'the camera has too many viewers',
  [-90]: 'the camera is offline',
  [-20009]: 'wrong AV account or password',
  [-20011]: 'the camera did not answer in time',
  [-20015]: 'the camera closed the session',
  [-20016]: 'the camera stopped answering',
  [-20023]: 'this UID has no permission for AV streams',
  [-20024]: 'the account or password is too long',
};
