// The shape of the capture file ("amba-real-camera-transcripts/1") that the simulator replays.
// A step is one socket write after `d` ms; `w` holds the texts written back to back in it;
// `${x}` is a value filled in at run time (JSON-escaped inside strings). Every level may carry
// documentation keys (evidence, source, note, ref), hence the open index signatures.

/** Documentation keys beside the data: evidence, source, note, ref, pcap. */
interface Documented {
  [extra: string]: unknown;
}

export interface SimStep extends Documented {
  d: number;
  w: string[];
  split_gap_ms?: number;
}

export interface SimCase extends Documented {
  when?: Record<string, unknown>;
  set?: Record<string, unknown>;
  effects?: string[];
  steps: SimStep[];
}

export interface SimHandler {
  action?: string;
  steps?: SimStep[];
  cases?: SimCase[];
  set?: Record<string, unknown>;
  effects?: string[];
  texts?: Record<string, string>;
  by_param?: Record<string, SimHandler>;
  fallback?: SimHandler;
  variants?: Record<string, SimCase>;
  evidence?: string;
  [extra: string]: unknown;
}

export interface SimSettings extends Documented {
  style: 'yi_spaced' | 'theliel' | 'compact';
  items: [string, string][];
  subset_keys?: string[];
  live_keys?: Record<string, string>;
}

export interface SimFile extends Documented {
  name: string;
  date: string;
  size?: number;
  dir?: string;
}

export interface ModelTranscript {
  title: string;
  first_token: number;
  stale_session_at_start: boolean;
  pipelined_chunk: 'first' | 'last';
  nul_after: number[];
  busy_reply_delay_max_ms?: number;
  sd_root: string;
  media_dir: string;
  path_aliases: Record<string, string>;
  default_file: SimFile;
  extra_dirs?: string[];
  extra_files?: SimFile[];
  photo_name?: string;
  video_name?: string;
  name_counter?: number;
  initial_state: Record<string, unknown>;
  settings: SimSettings;
  errors: Record<string, Documented & { text: string }>;
  session: {
    reply: Documented & { steps: SimStep[]; set?: Record<string, unknown> };
    refused: Documented & { text: string };
    holder_query: Documented & { text: string };
    holder_wait_ms: number;
  };
  get_file_order: 'ack_first' | 'event_first_if_done';
  get_file_wait_ms?: number;
  event_md5: 'whole_file' | 'bytes_sent';
  handlers: Record<string, SimHandler>;
  [extra: string]: unknown;
}

export interface TranscriptFile {
  format: string;
  about: string;
  transport: { mss: number; mss_gap_ms: number; [extra: string]: unknown };
  models: Record<string, ModelTranscript | string>;
  [extra: string]: unknown;
}
