// The captures of real cameras (shared/captures/amba_transcripts.json, format
// "amba-real-camera-transcripts/1"), kept verbatim as data so the simulator replays exactly what
// the cameras wrote: texts, write boundaries, delays, and the order of events and replies.
// Regenerate from the shared file rather than editing by hand. Not code: JSON data.
/* eslint-disable */

import type { TranscriptFile } from './sim-transcript-types';

export const CAPTURED: TranscriptFile = {
 "format": "amba-real-camera-transcripts/1",
 "about": "Camera-side texts of real Ambarella JSON-RPC exchanges, per model, loaded at run time by amba_real_camera.py. Step = one socket write after d ms; w = texts written back-to-back in that write; ${x} = value filled at run time (JSON-escaped inside strings). Writes longer than transport.mss are cut like the SJ8 TCP stack cut msg 3.",
 "evidence_levels": {
  "pcap": "bytes, segment boundaries and latency copied from a packet capture",
  "log": "exact text from a captured session/log (segmentation as the log shows it, timing inferred)",
  "log-parsed": "keys, values and ORDER OF MESSAGES from a parsed log; byte layout reconstructed in the model's captured style",
  "physical-report": "behaviour reported from tests on a physical camera; text reconstructed from the other sources",
  "sdk": "Ambarella reference server code",
  "sdk-table": "error code from the reference server table",
  "inferred": "no source; chosen to be consistent"
 },
 "sources": {
  "rigacci-sj8-pcap": {
   "kind": "pcap (tcpdump on the phone side, SJCAM Zone app <-> SJCAM SJ8 Pro fw V1.3.2, April 2022)",
   "repo": "RigacciOrg/ambarella-api-pytools",
   "path": "pcap/sjcam-start-stop-recording.pcap, pcap/sjcam-led-on.pcap, pcap/sjcam-settings.pcap, pcap/sjcam.misc1.pcap, pcap/sjcam.misc2.pcap (misc3 absent from the snapshot)",
   "fetch": "github:RigacciOrg/ambarella-api-pytools",
   "gives": "byte-exact camera texts, TCP segment boundaries (msg 3 = 1448+107 bytes), per-reply latency, 257 delay 812/840 ms, event delays after 513/514, slow replies while recording starts"
  },
  "rigacci-sj8-readme-examples": {
   "kind": "recv() log of a Python client against the same SJ8 Pro (each line = one accumulated read)",
   "repo": "RigacciOrg/ambarella-api-pytools",
   "path": "README_examples.txt",
   "fetch": "github:RigacciOrg/ambarella-api-pytools",
   "gives": "texts not in the pcaps (5 total/free, 258, 513 while recording = -1, 13 on adapter, other camera_mode values)"
  },
  "theliel-mijia-session": {
   "kind": "ncat session notes against a Xiaomi Mijia 4K (YDXJ01FM, fw V0.6.12.05, Jan 2018)",
   "repo": "Theliel/Xiaomi-Mijia-4K",
   "path": "resources/RTOS Protocol.txt",
   "fetch": "github:Theliel/Xiaomi-Mijia-4K",
   "gives": "Mijia texts, event-before-ack on 259/260, ack+event joined on 514, ack-first photo"
  },
  "pbaja-gist": {
   "kind": "telnet session notes against a Xiaomi Yi 1 (2016)",
   "url": "https://gist.github.com/pbaja/f57e6cff7fa14601f6b256926aa33437",
   "gives": "Yi 1 wire texts incl. the firmware's own spacing ({ \"msg_id\": 7, \"type\": \"photo_taken\" ,\"param\":...}), vf_stop before the 257 reply, ack-first photo variant"
  },
  "copter-sovgvd": {
   "kind": "telnet session notes against a Xiaomi Yi 1 fw YDXJv22_1.0.7",
   "url": "https://copter.sovgvd.info/a/Xiaomi-Yi-protocol-remote-control",
   "gives": "spaced 257 reply and the msg 3 settings list (same text as pbaja-gist)"
  },
  "franga2000-gist": {
   "kind": "notes on a Xiaomi Yi 1",
   "url": "https://gist.github.com/franga2000/1be2aa18cb3409e57af149883c06e34a",
   "gives": "error replies for non-JSON ({\"rval\": -7}), empty object, non-command"
  },
  "ambarpc-protocol": {
   "kind": "python DEBUG log of ambarpc against a Xiaomi Yi 1 (camera clock 2016-03-28); parsed dicts, so key order is NOT wire order",
   "repo": "Informatic/ambarpc",
   "path": "PROTOCOL.md",
   "fetch": "github:Informatic/ambarpc",
   "gives": "order: photo events arrive BEFORE the 769 ack; 513/514 ack then event; values (token 8, 7774208 KiB)"
  },
  "jcprieto-yi1-physical": {
   "kind": "physical test reports on a Xiaomi Yi 1 YDXJ01XY, hw YDXJ_v23L, fw YDXJv25L_1.5.12 (Sept 2026), plus the test fixtures built from them",
   "repo": "JCPrieto/YiActionController",
   "path": "README.md @ cd0f2933127f867ae78e17ae8218437a9dea4d80 (Hito 1-5B); app/src/test/.../CameraDownloadProtocolTest.kt, CameraMediaDownloaderTest.kt",
   "gives": "13+3 in one write -> only the 3 reply; 260 ack then vf_stop; photo/record end -> vf_start, then 259 = -21; 1283/1282 \" -D -S\" forms; 1285 size=total, rem_size=this request; get_file_complete array shape with the real THM size 72582; event may precede the 1285 ack; get_file_fail on early close; event md5 does not match fragments; capacities 31154688/29852096 KiB"
  },
  "yichan-issue-1": {
   "kind": "notes on Xiaomi Yi 1 replies collected in an issue thread (2016)",
   "url": "https://github.com/jnordberg/yichan/issues/1",
   "gives": "rval meanings seen on Yi 1: -14 \"msg 515 not available\", -3 \"Other Device Connected\", -1 \"File Not Found\", -4 token"
  },
  "ambarella-applib-sdk": {
   "kind": "Ambarella reference server source (AppLib ApplibNet_Control.c, found by public code search; index id 42324912060)",
   "gives": "1793 QUERY_SESSION_HOLDER to the holder, 800 ms wait, -3 or a fresh token, holder transfers cancelled; AppLib get_file_complete form with a leading token key; brace-count composer keeps the first object of a chunk; 1024-byte command buffer; token 0 reserved"
  },
  "spec-sdk-nul": {
   "kind": "project spec protocols/ambarella.md section 1.2 (reading of the reference server: some replies sent with strlen+1)",
   "gives": "trailing NUL after some replies. NOT seen in any capture: 0 NUL bytes in the 169 SJ8 camera segments"
  }
 },
 "transport": {
  "mss": 1448,
  "mss_gap_ms": 12.7,
  "evidence": "pcap",
  "source": "rigacci-sj8-pcap",
  "ref": {
   "file": "pcap/sjcam-start-stop-recording.pcap",
   "request_frame": 14,
   "frames": [
    15,
    16
   ]
  },
  "request_buffer_bytes": 1024,
  "request_buffer_source": "ambarella-applib-sdk (ComposeCmdBuf[1024])"
 },
 "models": {
  "yi1": {
   "title": "Xiaomi Yi 1 (YDXJ01XY): texts of fw 1.0.x-1.2 sessions, behaviour of fw 1.5.12 physical tests",
   "first_token": 1,
   "stale_session_at_start": false,
   "pipelined_chunk": "last",
   "pipelined_evidence": "physical-report (jcprieto-yi1-physical: 13+3 in one write -> only the 3 reply, none for 13)",
   "nul_after": [],
   "nul_note": "none seen for this model",
   "sd_root": "/tmp/fuse_d",
   "media_dir": "/tmp/fuse_d/DCIM/100MEDIA",
   "path_aliases": {
    "/var/www": "/tmp/fuse_d"
   },
   "default_file": {
    "name": "YDXJ0001.jpg",
    "date": "2016-06-17 02:28:12",
    "size": 72582,
    "name_evidence": "physical-report (YDXJnnnn.jpg/.mp4/.THM; 72582 = the THM size JCPrieto downloaded)"
   },
   "extra_dirs": [
    "/tmp/fuse_d/MISC"
   ],
   "photo_name": "YDXJ{n:04d}.jpg",
   "video_name": "YDXJ{n:04d}.mp4",
   "name_counter": 2,
   "initial_state": {
    "recording": false,
    "vf": "off",
    "app_status": "idle",
    "power": "adapter",
    "battery": "100"
   },
   "settings": {
    "style": "yi_spaced",
    "items": [
     [
      "camera_clock",
      "2015-04-07 02:32:29"
     ],
     [
      "video_standard",
      "NTSC"
     ],
     [
      "app_status",
      "idle"
     ],
     [
      "video_resolution",
      "1920x1080 60P 16:9"
     ],
     [
      "video_stamp",
      "off"
     ],
     [
      "video_quality",
      "S.Fine"
     ],
     [
      "timelapse_video",
      "off"
     ],
     [
      "capture_mode",
      "precise quality"
     ],
     [
      "photo_size",
      "16M (4608x3456 4:3)"
     ],
     [
      "photo_stamp",
      "off"
     ],
     [
      "photo_quality",
      "S.Fine"
     ],
     [
      "timelapse_photo",
      "60"
     ],
     [
      "preview_status",
      "on"
     ],
     [
      "buzzer_volume",
      "mute"
     ],
     [
      "buzzer_ring",
      "off"
     ],
     [
      "capture_default_mode",
      "precise quality"
     ],
     [
      "precise_cont_time",
      "60.0 sec"
     ],
     [
      "burst_capture_number",
      "7 p / s"
     ],
     [
      "restore_factory_settings",
      "on"
     ],
     [
      "led_mode",
      "all enable"
     ],
     [
      "dev_reboot",
      "on"
     ],
     [
      "meter_mode",
      "center"
     ],
     [
      "sd_card_status",
      "insert"
     ],
     [
      "video_output_dev_type",
      "tv"
     ],
     [
      "sw_version",
      "YDXJv22_1.0.7_build-20150330113749_b690_i446_s699"
     ],
     [
      "hw_version",
      "YDXJ_v22"
     ],
     [
      "dual_stream_status",
      "on"
     ],
     [
      "streaming_status",
      "off"
     ],
     [
      "precise_cont_capturing",
      "off"
     ],
     [
      "piv_enable",
      "off"
     ],
     [
      "auto_low_light",
      "on"
     ],
     [
      "loop_record",
      "off"
     ],
     [
      "warp_enable",
      "off"
     ],
     [
      "support_auto_low_light",
      "on"
     ],
     [
      "precise_selftime",
      "5s"
     ],
     [
      "precise_self_running",
      "off"
     ],
     [
      "auto_power_off",
      "5 minutes"
     ],
     [
      "serial_number",
      "xxxxx"
     ],
     [
      "system_mode",
      "capture"
     ],
     [
      "system_default_mode",
      "capture"
     ]
    ],
    "evidence": "log",
    "source": "copter-sovgvd",
    "live_keys": {
     "app_status": "app_status"
    }
   },
   "errors": {
    "not_json": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\": -7}"
    },
    "empty_object": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\":-4,\"msg_id\":0}"
    },
    "not_command": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\":-9,\"msg_id\":0}"
    },
    "bad_token": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "text": "{\"rval\":-4,\"msg_id\":${msg_id}}"
    },
    "unknown_msg_id": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "text": "{\"rval\":-23,\"msg_id\":${msg_id}}"
    },
    "not_found": {
     "evidence": "log",
     "source": "yichan-issue-1",
     "text": "{\"rval\":-1,\"msg_id\":${msg_id}}",
     "note": "\"-1: File Not Found\""
    },
    "bad_value": {
     "evidence": "sdk-table",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-13,\"msg_id\":${msg_id}}"
    },
    "unknown_type": {
     "evidence": "sdk-table",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-24,\"msg_id\":${msg_id}}"
    }
   },
   "session": {
    "reply": {
     "evidence": "log",
     "source": "pbaja-gist",
     "steps": [
      {
       "d": 60,
       "w": [
        "{ \"msg_id\": 7, \"type\": \"vf_stop\" }"
       ]
      },
      {
       "d": 40,
       "w": [
        "{ \"rval\": 0, \"msg_id\": 257, \"param\": ${token} }"
       ]
      }
     ],
     "set": {
      "vf": "off"
     },
     "note": "pbaja-gist: vf_stop arrives BEFORE the 257 reply; spaced reply text also in copter-sovgvd"
    },
    "refused": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-3,\"msg_id\":257}",
     "note": "yichan-issue-1: \"-3 Other Device Connected\""
    },
    "holder_query": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"msg_id\":1793}"
    },
    "holder_wait_ms": 800
   },
   "get_file_order": "event_first_if_done",
   "get_file_wait_ms": 300,
   "event_md5": "whole_file",
   "get_file_order_evidence": "physical-report (JCPrieto 5.1 + fixture \"Event may precede the ACK\")",
   "handlers": {
    "13": {
     "evidence": "log",
     "source": "pbaja-gist",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":13,\"type\":\"${power}\",\"param\":\"${battery}\"}"
       ]
      }
     ],
     "note": "captured {\"rval\":0,\"msg_id\":13,\"type\":\"adapter\",\"param\":\"100\"}; ambarpc saw adapter/\"86\""
    },
    "3": {
     "evidence": "log",
     "source": "copter-sovgvd",
     "action": "settings_all",
     "steps": [
      {
       "d": 40,
       "w": [
        "${settings_all}"
       ]
      }
     ],
     "note": "text of the captured reply (pbaja-gist and copter-sovgvd agree); the pages end the list at system_default_mode; app_status follows the camera state (JCPrieto saw idle/record/vf)"
    },
    "1": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "action": "get_setting",
     "steps": [
      {
       "d": 15,
       "w": [
        "{ \"rval\": 0, \"msg_id\": 1, \"type\": \"${type}\", \"param\": \"${value}\" }"
       ]
      }
     ],
     "note": "keys/values from the ambarpc log (camera_clock); layout follows the firmware's spaced style, not captured for msg 1"
    },
    "2": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "action": "set_setting",
     "steps": [
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":2}"
       ]
      }
     ],
     "note": "old Yi fw: no type echo (ambarpc); newer fw echo it (yichan issue #1)"
    },
    "5:total": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":5,\"param\":31154688}"
       ]
      }
     ],
     "note": "value from JCPrieto 5A; shape from ambarpc"
    },
    "5:free": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":5,\"param\":29852096}"
       ]
      }
     ]
    },
    "258": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "action": "session_stop",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":258}"
       ]
      }
     ]
    },
    "259": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "cases": [
      {
       "when": {
        "vf": "auto"
       },
       "steps": [
        {
         "d": 30,
         "w": [
          "{\"rval\":-21,\"msg_id\":259}"
         ]
        }
       ],
       "note": "fw 1.5.12: after a photo or a recording the camera restarts VF itself (vf_start) and 259 is refused with -21 until 260 + vf_stop"
      },
      {
       "set": {
        "vf": "on"
       },
       "evidence": "log-parsed",
       "source": "ambarpc-protocol",
       "steps": [
        {
         "d": 60,
         "w": [
          "{\"rval\":0,\"msg_id\":259}"
         ]
        }
       ]
      }
     ]
    },
    "260": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "set": {
      "vf": "off"
     },
     "steps": [
      {
       "d": 60,
       "w": [
        "{\"rval\":0,\"msg_id\":260}"
       ]
      },
      {
       "d": 300,
       "w": [
        "{ \"msg_id\": 7, \"type\": \"vf_stop\" }"
       ]
      }
     ],
     "note": "\"parada 260 aceptada seguida de vf_stop\"; event text as captured after 257 (pbaja)"
    },
    "513": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "evidence": "inferred",
       "steps": [
        {
         "d": 20,
         "w": [
          "{\"rval\":-14,\"msg_id\":513}"
         ]
        }
       ]
      },
      {
       "set": {
        "recording": true,
        "app_status": "record",
        "rec_started": "${now}"
       },
       "steps": [
        {
         "d": 120,
         "w": [
          "{\"rval\":0,\"msg_id\":513}"
         ]
        },
        {
         "d": 500,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"start_video_record\" }"
         ]
        }
       ],
       "note": "order ack then start_video_record (ambarpc; JCPrieto saw start_video_record + app_status=record). event spacing inferred from the firmware style"
      }
     ]
    },
    "514": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "set": {
        "recording": false,
        "app_status": "vf",
        "vf": "auto"
       },
       "effects": [
        "new_video"
       ],
       "steps": [
        {
         "d": 150,
         "w": [
          "{\"rval\":0,\"msg_id\":514}"
         ]
        },
        {
         "d": 900,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"video_record_complete\" ,\"param\":\"${video_path}\"}"
         ]
        },
        {
         "d": 500,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"vf_start\" }"
         ]
        }
       ],
       "note": "ack, video_record_complete (path), then vf_start (JCPrieto 08/09/2026)"
      },
      {
       "evidence": "inferred",
       "steps": [
        {
         "d": 20,
         "w": [
          "{\"rval\":-14,\"msg_id\":514}"
         ]
        }
       ]
      }
     ]
    },
    "515": {
     "evidence": "log",
     "source": "yichan-issue-1",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":0,\"msg_id\":515,\"param\":${rec_seconds}}"
         ]
        }
       ]
      },
      {
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":-14,\"msg_id\":515}"
         ]
        }
       ],
       "note": "\"-14: msg 515 not available\""
      }
     ]
    },
    "769": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "evidence": "inferred",
       "steps": [
        {
         "d": 20,
         "w": [
          "{\"rval\":-14,\"msg_id\":769}"
         ]
        }
       ],
       "note": "ambarpc: works in any mode \"but camera can't be in recording state\""
      },
      {
       "effects": [
        "new_photo"
       ],
       "set": {
        "vf": "auto",
        "app_status": "vf"
       },
       "steps": [
        {
         "d": 250,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"start_photo_capture\" ,\"param\":\"precise quality;off\"}"
         ]
        },
        {
         "d": 450,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"precise_capture_data_ready\" }"
         ]
        },
        {
         "d": 350,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"photo_taken\" ,\"param\":\"${photo_path}\"}"
         ]
        },
        {
         "d": 20,
         "w": [
          "{\"rval\":0,\"msg_id\":769}"
         ]
        },
        {
         "d": 400,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"vf_start\" }"
         ]
        }
       ],
       "note": "events BEFORE the ack (ambarpc order); texts in the firmware spacing of pbaja-gist; vf_start after (pbaja, JCPrieto); gaps inferred"
      }
     ],
     "variants": {
      "ack_first": {
       "evidence": "log",
       "source": "pbaja-gist",
       "effects": [
        "new_photo"
       ],
       "set": {
        "vf": "auto",
        "app_status": "vf"
       },
       "steps": [
        {
         "d": 80,
         "w": [
          "{\"rval\":0,\"msg_id\":769}"
         ]
        },
        {
         "d": 250,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"start_photo_capture\" ,\"param\":\"precise quality;off\"}"
         ]
        },
        {
         "d": 450,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"precise_capture_data_ready\" }"
         ]
        },
        {
         "d": 350,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"photo_taken\" ,\"param\":\"${photo_path}\"}"
         ]
        },
        {
         "d": 400,
         "w": [
          "{ \"msg_id\": 7, \"type\": \"vf_start\" }"
         ]
        }
       ],
       "note": "pbaja-gist order: ack first, then the events"
      }
     }
    },
    "1283": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "action": "cd",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":1283,\"pwd\":\"${pwd}\"}"
       ]
      }
     ],
     "note": "validated params: \".\", \"/tmp/fuse_d\", \"DCIM/\", \"100MEDIA/\", \"../\""
    },
    "1284": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "pwd",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":1284,\"pwd\":\"${pwd}\"}"
       ]
      }
     ]
    },
    "1282": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "action": "ls",
     "steps": [
      {
       "d": 30,
       "w": [
        "{\"rval\":0,\"msg_id\":1282,\"listing\":${listing}}"
       ]
      }
     ],
     "note": "listing items {\"<name>\":\"<bytes> bytes|yyyy-MM-dd HH:mm:ss\"}, dirs end with \"/\""
    },
    "1281": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "delete",
     "steps": [
      {
       "d": 30,
       "w": [
        "{\"rval\":0,\"msg_id\":1281}"
       ]
      }
     ]
    },
    "1285": {
     "evidence": "physical-report",
     "source": "jcprieto-yi1-physical",
     "action": "get_file",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1285,\"rem_size\":${rem_size},\"size\":${size}}",
      "complete": "{\"msg_id\":7,\"type\":\"get_file_complete\",\"param\":[{\"bytes sent\":${bytes_sent}},{\"md5sum\":\"${md5}\"}]}",
      "fail": "{\"msg_id\":7,\"type\":\"get_file_fail\",\"param\":${bytes_sent}}"
     },
     "note": "param = file name relative to pwd (or absolute); size = whole file, rem_size = bytes of this request; md5sum = md5 of the WHOLE file (JCPrieto: it did not match the fragments); ack key order from Theliel (Mijia); get_file_complete precedes the ack whenever the push finished first"
    },
    "1287": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "cancel_xfer",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1287,\"transferred_size\":${bytes_sent}}",
      "idle": "{\"rval\":-14,\"msg_id\":1287}"
     }
    },
    "261": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 10,
       "w": [
        "{\"rval\":0,\"msg_id\":261}"
       ]
      }
     ]
    }
   },
   "sources_text_check": {
    "pbaja-gist": [
     "{ \"msg_id\": 7, \"type\": \"vf_stop\" }",
     "{ \"rval\": 0, \"msg_id\": 257, \"param\": 1 }",
     "{\"rval\":0,\"msg_id\":769}",
     "{ \"msg_id\": 7, \"type\": \"start_photo_capture\" ,\"param\":\"precise quality;off\"}",
     "{ \"msg_id\": 7, \"type\": \"precise_capture_data_ready\" }",
     "{ \"msg_id\": 7, \"type\": \"photo_taken\" ,\"param\":\"/tmp/fuse_d/DCIM/127MEDIA/YDXJ0373.jpg\"}",
     "{ \"msg_id\": 7, \"type\": \"vf_start\" }",
     "{\"rval\":0,\"msg_id\":13,\"type\":\"adapter\",\"param\":\"100\"}",
     "{\"rval\":-27,\"msg_id\":769}"
    ]
   }
  },
  "mijia4k": {
   "title": "Xiaomi Mijia 4K (YDXJ01FM), fw V0.6.12.05 (Ambarella A12S)",
   "first_token": 1,
   "stale_session_at_start": false,
   "pipelined_chunk": "first",
   "pipelined_evidence": "sdk (ComposeCmdFromLinx keeps the first object); not captured on this model",
   "nul_after": [
    257,
    13,
    1284
   ],
   "nul_evidence": "spec-sdk-nul (reference-server reading, never captured); chosen replies; --no-nul turns it off",
   "sd_root": "/tmp/SD0",
   "media_dir": "/tmp/SD0/DCIM/100MEDIA",
   "path_aliases": {},
   "default_file": {
    "name": "IMG_20180117_045034_0005.JPG",
    "date": "2018-01-17 04:50:34",
    "name_evidence": "log (theliel-mijia-session)"
   },
   "extra_files": [
    {
     "name": "test.ash",
     "dir": "/tmp/SD0",
     "size": 0,
     "date": "2018-01-19 04:18:35",
     "evidence": "log"
    }
   ],
   "photo_name": "IMG_20180117_0450{s:02d}_{n:04d}.JPG",
   "video_name": "VID_20180117_0450{s:02d}_{n:04d}.MP4",
   "name_counter": 6,
   "name_evidence": "log (theliel-mijia-session naming; counters inferred)",
   "initial_state": {
    "recording": false,
    "vf": "on",
    "app_status": "vf"
   },
   "settings": {
    "style": "theliel",
    "items": [
     [
      "app_status",
      "vf"
     ],
     [
      "sd_status",
      "CARD_INSERT"
     ],
     [
      "upgrade_check",
      "UPGRADE_OK"
     ],
     [
      "mode_setting",
      "normal_record"
     ],
     [
      "video_time_lapse",
      "0.5s"
     ],
     [
      "video_time_lapse_length",
      "off"
     ],
     [
      "video_loop_length",
      "1min"
     ],
     [
      "video_piv_time_lapse",
      "60s"
     ],
     [
      "video_rate",
      "8X(720P)"
     ],
     [
      "video_resolution",
      "1920x1080/30"
     ],
     [
      "video_quality",
      "S.Fine"
     ],
     [
      "video_stamp",
      "off"
     ],
     [
      "video_white_balance",
      "auto"
     ],
     [
      "video_metering_mode",
      "center"
     ],
     [
      "video_iso",
      "auto"
     ],
     [
      "video_ev_bias",
      "+0"
     ],
     [
      "video_eis",
      "on"
     ],
     [
      "video_mute",
      "off"
     ],
     [
      "video_record_startup",
      "off"
     ],
     [
      "video_color",
      "Natural"
     ],
     [
      "photo_time_lapse",
      "1s"
     ],
     [
      "photo_burst_frequence",
      "3pictures/s"
     ],
     [
      "photo_selftimer",
      "3s"
     ],
     [
      "photo_size",
      "8M"
     ],
     [
      "photo_quality",
      "S.Fine"
     ],
     [
      "photo_stamp",
      "off"
     ],
     [
      "photo_wb",
      "auto"
     ],
     [
      "photo_iso",
      "auto"
     ],
     [
      "photo_digital_effect",
      "off"
     ],
     [
      "photo_metering_mode",
      "center"
     ],
     [
      "photo_ev_bias",
      "+0"
     ],
     [
      "photo_raw",
      "on"
     ],
     [
      "photo_shutter",
      "auto"
     ],
     [
      "waterproof_mode",
      "off"
     ],
     [
      "distortion_correction",
      "on"
     ],
     [
      "system_type",
      "NTSC"
     ],
     [
      "default_boot_mode",
      "last_used_mode"
     ],
     [
      "led_mode",
      "all_on"
     ],
     [
      "prompt_volume",
      "mute"
     ],
     [
      "lcd_brightness",
      "low"
     ],
     [
      "auto_lock_screen",
      "2min"
     ],
     [
      "camera_clock",
      "2018-01-17 03:53:29"
     ],
     [
      "auto_power_off",
      "5min"
     ],
     [
      "av_out",
      "off"
     ],
     [
      "auto_rotate",
      "up"
     ],
     [
      "user_guide",
      "off"
     ],
     [
      "default_setting",
      "on"
     ],
     [
      "default_wifi",
      "on"
     ],
     [
      "default_bluetooth",
      "on"
     ],
     [
      "wifi_ssid",
      "MiCam_Sami"
     ],
     [
      "wifi_passwd",
      "1234567890"
     ],
     [
      "language",
      "english"
     ],
     [
      "wifi_auto_start",
      "on"
     ]
    ],
    "evidence": "log",
    "source": "theliel-mijia-session",
    "live_keys": {
     "app_status": "app_status"
    }
   },
   "errors": {
    "not_json": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\": -7}"
    },
    "empty_object": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\":-4,\"msg_id\":0}"
    },
    "not_command": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\":-9,\"msg_id\":0}"
    },
    "bad_token": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-4,\"msg_id\":${msg_id}}"
    },
    "unknown_msg_id": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "text": "{\"rval\":-23,\"msg_id\":${msg_id}}"
    },
    "not_found": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-26,\"msg_id\":${msg_id}}"
    },
    "bad_value": {
     "evidence": "sdk-table",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-13,\"msg_id\":${msg_id}}"
    },
    "unknown_type": {
     "evidence": "sdk-table",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-24,\"msg_id\":${msg_id}}"
    }
   },
   "session": {
    "reply": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":257,\"param\":${token}}"
       ]
      }
     ]
    },
    "refused": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-3,\"msg_id\":257}"
    },
    "holder_query": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"msg_id\":1793}"
    },
    "holder_wait_ms": 800
   },
   "get_file_order": "ack_first",
   "get_file_order_evidence": "sdk",
   "event_md5": "bytes_sent",
   "handlers": {
    "1:video_resolution": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "get_setting",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":1,\"type\":\"video_resolution\",\"param\":\"${value}\"}"
       ]
      }
     ]
    },
    "1": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "get_setting",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":1,\"type\":\"${type}\",\"param\":\"${value}\"}"
       ]
      }
     ],
     "note": "shape of the captured video_resolution reply applied to any setting name"
    },
    "2:video_resolution": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "set_setting",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":2,\"type\":\"video_resolution\"}"
       ]
      },
      {
       "d": 40,
       "w": [
        "{\"msg_id\":7,\"type\":\"setting_changed\",\"param\":\"video_resolution\",\"value\":\"${param}\"}"
       ]
      }
     ],
     "note": "setting_changed listed among the automatic messages; its timing after the ack is inferred"
    },
    "2": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "set_setting",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":2,\"type\":\"${type}\"}"
       ]
      },
      {
       "d": 40,
       "w": [
        "{\"msg_id\":7,\"type\":\"setting_changed\",\"param\":\"${type}\",\"value\":\"${param}\"}"
       ]
      }
     ],
     "note": "shape of the captured video_resolution exchange applied to any setting"
    },
    "3": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "settings_all",
     "steps": [
      {
       "d": 30,
       "w": [
        "${settings_all}"
       ]
      }
     ],
     "note": "whitespace (newline + TAB per entry) exactly as in the notes; it may be the author's layout, but it is valid JSON a framer must accept"
    },
    "5": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":5,\"param\":61565568,\"remain_photo_amount\":23889,\"remain_video_time\":11930}"
       ]
      }
     ]
    },
    "9:video_resolution": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"video_resolution\",\"options\":[\n  \"3840x2160/30\",\n  \"2560x1440/60\",\n  \"2560x1440/30\",\n  \"1920x1080/120\",\n  \"1920x1080/60\",\n  \"1920x1080/30\",\n  \"1280x720/240\"\n]}"
       ]
      }
     ]
    },
    "11": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":11,\"model\":\"YDXJ01FM\",\"serial_number\":\"C1H0XXXXXXX\",\"version\":\"V0.6.12.05\"}"
       ]
      }
     ]
    },
    "13": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":13,\"param\":\"adapter\",\"level\":\"90\"}"
       ]
      }
     ]
    },
    "254": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":254,\"param\":\"FM_LS_END\"}"
       ]
      }
     ]
    },
    "259": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "set": {
      "vf": "on"
     },
     "steps": [
      {
       "d": 200,
       "w": [
        "{\"msg_id\":7,\"type\":\"vf_start\"}"
       ]
      },
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":259}"
       ]
      }
     ],
     "note": "vf_start BEFORE the ack; the notes show the event with its opening brace lost (\"msg_id\":7,\"type\":\"vf_start\"}), repaired here"
    },
    "260": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "set": {
      "vf": "off"
     },
     "steps": [
      {
       "d": 150,
       "w": [
        "{\"msg_id\":7,\"type\":\"vf_stop\"}"
       ]
      },
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":260}"
       ]
      }
     ],
     "note": "vf_stop BEFORE the ack"
    },
    "513": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "evidence": "inferred",
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":-14,\"msg_id\":513}"
         ]
        }
       ]
      },
      {
       "set": {
        "recording": true,
        "rec_started": "${now}"
       },
       "steps": [
        {
         "d": 30,
         "w": [
          "{\"rval\":0,\"msg_id\":513}"
         ]
        },
        {
         "d": 600,
         "w": [
          "{\"msg_id\":7,\"type\":\"start_record\"}"
         ]
        }
       ]
      }
     ]
    },
    "515": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":0,\"msg_id\":515,\"param\":${rec_seconds}}"
         ]
        }
       ]
      },
      {
       "evidence": "inferred",
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":-14,\"msg_id\":515}"
         ]
        }
       ]
      }
     ],
     "note": "captured text: {\"rval\":0,\"msg_id\":515,\"param\":0}"
    },
    "514": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "set": {
        "recording": false
       },
       "effects": [
        "new_video"
       ],
       "steps": [
        {
         "d": 400,
         "w": [
          "{\"rval\":0,\"msg_id\":514}",
          "{\"msg_id\":7,\"type\":\"record_complete\",\"param\":\"C:\\\\DCIM\\\\100MEDIA\\\\${video_name}\"}"
         ]
        }
       ],
       "note": "ack and record_complete in ONE write (they sit on one line of the session, no separator)"
      },
      {
       "evidence": "inferred",
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":-14,\"msg_id\":514}"
         ]
        }
       ]
      }
     ]
    },
    "769": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "evidence": "inferred",
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":-14,\"msg_id\":769}"
         ]
        }
       ]
      },
      {
       "effects": [
        "new_photo"
       ],
       "set": {
        "vf": "off"
       },
       "steps": [
        {
         "d": 40,
         "w": [
          "{\"rval\":0,\"msg_id\":769}"
         ]
        },
        {
         "d": 120,
         "w": [
          "{\"msg_id\":7,\"type\":\"vf_stop\"}"
         ]
        },
        {
         "d": 60,
         "w": [
          "{\"msg_id\":7,\"type\":\"start_capture\"}"
         ]
        },
        {
         "d": 700,
         "w": [
          "{\"msg_id\":7,\"type\":\"capture_complete\",\"param\":\"C:\\\\DCIM\\\\100MEDIA\\\\${photo_name}\"}"
         ]
        }
       ],
       "note": "ack FIRST on this model; event gaps inferred"
      }
     ]
    },
    "1794": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":1794}"
       ]
      }
     ]
    },
    "1025": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "thumb",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1025,\"size\":${size},\"type\":\"${type}\",\"md5sum\":\"${md5}\"}"
     },
     "note": "thumbnail bytes on 8787, then the reply (AppLib sends it after the transfer); size/md5 are those of the served bytes"
    },
    "1026": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "mediainfo",
     "texts": {
      "mov": "{\"rval\":0,\"msg_id\":1026,\"param\":\"${path}\",\"size\":${size},\"date\":\"${date}\",\"resolution\":\"1280x720\",\"duration\":1,\"media_type\":\"mov\",\"status\":\"unlocked\"}",
      "img": "{\"rval\":0,\"msg_id\":1026,\"param\":\"${path}\",\"size\":${size},\"date\":\"${date}\",\"resolution\":\"3840x2160\",\"media_type\":\"img\",\"status\":\"unlocked\"}",
      "img_evidence": "inferred from the mov form"
     }
    },
    "1281": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "delete",
     "steps": [
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":1281}"
       ]
      }
     ]
    },
    "1282": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "ls",
     "steps": [
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":1282,\"listing\":${listing}}"
       ]
      }
     ],
     "note": "captured: {\"rval\":0,\"msg_id\":1282,\"listing\":[{\"test.ash\":\"2018-01-19 04:18:35\"}]} (no options); \" -D -S\" adds \"<n> bytes|\""
    },
    "1283": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "cd",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":1283,\"pwd\":\"${pwd}\"}"
       ]
      }
     ]
    },
    "1284": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "pwd",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":1284,\"pwd\":\"${pwd}\"}"
       ]
      }
     ]
    },
    "1286": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "action": "put_file",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1286}",
      "complete": "{\"token\":${token},\"msg_id\":7,\"type\":\"put_file_complete\",\"param\":[{\"bytes received\":${bytes_received}},{\"md5sum\":\"${md5}\"}]}",
      "complete_evidence": "sdk (AppLib FileTransferDone)"
     }
    },
    "1285": {
     "evidence": "log+sdk",
     "source": "theliel-mijia-session",
     "action": "get_file",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1285,\"rem_size\":${rem_size},\"size\":${size}}",
      "complete": "{\"token\":${token},\"msg_id\":7,\"type\":\"get_file_complete\",\"param\":[{\"bytes sent\":${bytes_sent}},{\"md5sum\":\"${md5}\"}]}",
      "fail": "{\"token\":${token},\"msg_id\":7,\"type\":\"get_file_fail\",\"param\":[{\"bytes sent\":${bytes_sent}},{\"md5sum\":\"${md5}\"}]}",
      "ack_evidence": "log (theliel-mijia-session: {\"rval\":0,\"msg_id\":1285,\"rem_size\":0,\"size\":0})"
     },
     "note": "ack first (SDK replies once the data service accepted the job); completion event with the AppLib key order (token first)"
    },
    "1287": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "cancel_xfer",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1287,\"transferred_size\":${bytes_sent}}",
      "idle": "{\"rval\":-14,\"msg_id\":1287}"
     }
    },
    "261": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 10,
       "w": [
        "{\"rval\":0,\"msg_id\":261}"
       ]
      }
     ]
    }
   },
   "observed_client_requests": {
    "source": "theliel-mijia-session",
    "examples": [
     "{\"msg_id\":2,\"type\":\"video_resolution\",\"param\":\"1920x1080/30\",\"token\":1}",
     "{\"msg_id\":1285,\"param\":\"/tmp/SD0/commands/test.txt\",\"offset\":0,\"fetch_size\":0,\"token\":1}"
    ]
   },
   "theliel_text_check": {
    "msg3": "{\"rval\":0, \"msg_id\":3, \"param\":[\n\t{\"app_status\":\"vf\"},\n\t{\"sd_status\":\"CARD_INSERT\"},\n\t{\"upgrade_check\":\"UPGRADE_OK\"},\n\t{\"mode_setting\":\"normal_record\"},\n\t{\"video_time_lapse\":\"0.5s\"},\n\t{\"video_time_lapse_length\":\"off\"},\n\t{\"video_loop_length\":\"1min\"},\n\t{\"video_piv_time_lapse\":\"60s\"},\n\t{\"video_rate\":\"8X(720P)\"},\n\t{\"video_resolution\":\"1920x1080/30\"},\n\t{\"video_quality\":\"S.Fine\"},\n\t{\"video_stamp\":\"off\"},\n\t{\"video_white_balance\":\"auto\"},\n\t{\"video_metering_mode\":\"center\"},\n\t{\"video_iso\":\"auto\"},\n\t{\"video_ev_bias\":\"+0\"},\n\t{\"video_eis\":\"on\"},\n\t{\"video_mute\":\"off\"},\n\t{\"video_record_startup\":\"off\"},\n\t{\"video_color\":\"Natural\"},\n\t{\"photo_time_lapse\":\"1s\"},\n\t{\"photo_burst_frequence\":\"3pictures/s\"},\n\t{\"photo_selftimer\":\"3s\"},\n\t{\"photo_size\":\"8M\"},\n\t{\"photo_quality\":\"S.Fine\"},\n\t{\"photo_stamp\":\"off\"},\n\t{\"photo_wb\":\"auto\"},\n\t{\"photo_iso\":\"auto\"},\n\t{\"photo_digital_effect\":\"off\"},\n\t{\"photo_metering_mode\":\"center\"},\n\t{\"photo_ev_bias\":\"+0\"},\n\t{\"photo_raw\":\"on\"},\n\t{\"photo_shutter\":\"auto\"},\n\t{\"waterproof_mode\":\"off\"},\n\t{\"distortion_correction\":\"on\"},\n\t{\"system_type\":\"NTSC\"},\n\t{\"default_boot_mode\":\"last_used_mode\"},\n\t{\"led_mode\":\"all_on\"},\n\t{\"prompt_volume\":\"mute\"},\n\t{\"lcd_brightness\":\"low\"},\n\t{\"auto_lock_screen\":\"2min\"},\n\t{\"camera_clock\":\"2018-01-17 03:53:29\"},\n\t{\"auto_power_off\":\"5min\"},\n\t{\"av_out\":\"off\"},\n\t{\"auto_rotate\":\"up\"},\n\t{\"user_guide\":\"off\"},\n\t{\"default_setting\":\"on\"},\n\t{\"default_wifi\":\"on\"},\n\t{\"default_bluetooth\":\"on\"},\n\t{\"wifi_ssid\":\"MiCam_Sami\"},\n\t{\"wifi_passwd\":\"1234567890\"},\n\t{\"language\":\"english\"},\n\t{\"wifi_auto_start\":\"on\"}\n]}",
    "msg9": "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"video_resolution\",\"options\":[\n  \"3840x2160/30\",\n  \"2560x1440/60\",\n  \"2560x1440/30\",\n  \"1920x1080/120\",\n  \"1920x1080/60\",\n  \"1920x1080/30\",\n  \"1280x720/240\"\n]}"
   }
  },
  "sj8": {
   "title": "SJCAM SJ8 Pro, fw V1.3.2 (API 4.1.0, Ambarella A12)",
   "first_token": 2,
   "token_note": "pcaps: 2 (25 Apr) and 6 (27 Apr)",
   "stale_session_at_start": true,
   "stale_note": "both captured 257 replies came 812/840 ms after the request: the SDK 800 ms holder query against an earlier, never-closed session",
   "pipelined_chunk": "first",
   "pipelined_evidence": "sdk (ComposeCmdFromLinx keeps the first object); not captured on this model",
   "nul_after": [],
   "nul_note": "none: 0 NUL bytes in the 169 camera segments of the pcaps",
   "busy_reply_delay_max_ms": 820,
   "busy_note": "pcap: while recording starts, replies took 95, 818, 272, 221 ms",
   "sd_root": "/tmp/SD0",
   "media_dir": "/tmp/SD0/DCIM/100MEDIA",
   "path_aliases": {},
   "default_file": {
    "name": "FILE0001.JPG",
    "date": "2022-04-25 10:31:00",
    "name_evidence": "inferred (naming_rule not decoded)"
   },
   "initial_state": {
    "recording": false,
    "camera_mode": "normal_record",
    "vf": "on",
    "power": "battery",
    "battery": 75
   },
   "settings": {
    "style": "compact",
    "items": [
     [
      "Resolution",
      "1080(1920x1080) 60FPS"
     ],
     [
      "Power-On Record",
      "Off"
     ],
     [
      "Video Lapse Resolution",
      "4K (3840x2160)"
     ],
     [
      "Video Lapse",
      "1 Second"
     ],
     [
      "Slow Motion",
      "-2X"
     ],
     [
      "Image Size",
      "12MP 4000x3000 4:3"
     ],
     [
      "Photo ISO",
      "Auto"
     ],
     [
      "Shutter Speed",
      "Auto"
     ],
     [
      "Photo Sharpness",
      "Standard"
     ],
     [
      "Image Size",
      "12MP 4000x3000 4:3"
     ],
     [
      "Photo Lapse Interval",
      "3 Seconds"
     ],
     [
      "Photo Sharpness",
      "Standard"
     ],
     [
      "Time photo ISO",
      "Auto"
     ],
     [
      "Time photo shutter",
      "Auto"
     ],
     [
      "Image Size",
      "12MP 4000x3000 4:3"
     ],
     [
      "Burst Mode",
      "3 photos"
     ],
     [
      "Burst ISO",
      "Auto"
     ],
     [
      "Video_photo Resolution",
      "1080(1920x1080) 30FPS"
     ],
     [
      "Photo Interval",
      "5 Seconds"
     ],
     [
      "Resolution",
      "1080(1920x1080) 60FPS"
     ],
     [
      "EV",
      "+0.0"
     ],
     [
      "White Balance",
      "Auto"
     ],
     [
      "Color Profile",
      "SJCAM - Vivid"
     ],
     [
      "Metering Mode",
      "Center"
     ],
     [
      "Gyro Stabilizer",
      "On"
     ],
     [
      "Encoding",
      "H.264"
     ],
     [
      "Volume",
      "8"
     ],
     [
      "Sharpness",
      "Standard"
     ],
     [
      "Distortion Correction",
      "On"
     ],
     [
      "Loop Recording",
      "Off"
     ],
     [
      "File Size",
      "5 Minutes"
     ],
     [
      "Video Quality",
      "Standard"
     ],
     [
      "ISO",
      "MAX 6400"
     ],
     [
      "Audio",
      "On"
     ],
     [
      "Time Stamp",
      "Off"
     ],
     [
      "EV",
      "+0.0"
     ],
     [
      "White Balance",
      "Auto"
     ],
     [
      "Color Profile",
      "SJCAM - Vivid"
     ],
     [
      "Metering Mode",
      "Center"
     ],
     [
      "Time Stamp",
      "Off"
     ],
     [
      "Distortion Correction",
      "On"
     ],
     [
      "RAW",
      "Off"
     ],
     [
      "Photo Quality",
      "Standard"
     ],
     [
      "Language",
      "en"
     ],
     [
      "Format",
      "Cancel"
     ],
     [
      "Auto Power Off",
      "3 Minutes"
     ],
     [
      "LCD Off Time",
      "30 Seconds"
     ],
     [
      "Front Display",
      "On"
     ],
     [
      "Indicator lights",
      "On"
     ],
     [
      "Keypad Tone",
      "On"
     ],
     [
      "Rotate",
      "Off"
     ],
     [
      "External microphone",
      "Off"
     ],
     [
      "Gimbal Control",
      "Off"
     ],
     [
      "Frequency",
      "50 Hz"
     ],
     [
      "Default Setting",
      "Cancel"
     ],
     [
      "Display ISO",
      "On"
     ],
     [
      "User Interface",
      "Classic"
     ]
    ],
    "subset_keys": [
     "Resolution",
     "Power-On Record",
     "EV",
     "White Balance",
     "Color Profile",
     "Metering Mode",
     "Gyro Stabilizer",
     "Encoding",
     "Volume",
     "Sharpness",
     "Distortion Correction",
     "Loop Recording",
     "File Size",
     "Video Quality",
     "ISO",
     "Audio",
     "Time Stamp",
     "Language",
     "Format",
     "Auto Power Off",
     "LCD Off Time",
     "Front Display",
     "Indicator lights",
     "Keypad Tone",
     "Rotate",
     "External microphone",
     "Gimbal Control",
     "Frequency",
     "Default Setting",
     "Display ISO",
     "User Interface"
    ],
    "evidence": "pcap",
    "ref": {
     "file": "pcap/sjcam-start-stop-recording.pcap",
     "request_frame": 14,
     "frames": [
      15,
      16
     ]
    }
   },
   "errors": {
    "not_json": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\": -7}"
    },
    "empty_object": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\":-4,\"msg_id\":0}"
    },
    "not_command": {
     "evidence": "log",
     "source": "franga2000-gist",
     "text": "{\"rval\":-9,\"msg_id\":0}"
    },
    "bad_token": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-4,\"msg_id\":${msg_id}}"
    },
    "unknown_msg_id": {
     "evidence": "log-parsed",
     "source": "ambarpc-protocol",
     "text": "{\"rval\":-23,\"msg_id\":${msg_id}}"
    },
    "not_found": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-26,\"msg_id\":${msg_id}}"
    },
    "bad_value": {
     "evidence": "sdk-table",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-13,\"msg_id\":${msg_id}}"
    },
    "unknown_type": {
     "evidence": "sdk-table",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-24,\"msg_id\":${msg_id}}"
    }
   },
   "session": {
    "reply": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "ref": [
      {
       "file": "pcap/sjcam-start-stop-recording.pcap",
       "request_frame": 4,
       "frames": [
        6
       ]
      },
      {
       "file": "pcap/sjcam.misc2.pcap",
       "request_frame": 6,
       "frames": [
        8
       ]
      }
     ],
     "steps": [
      {
       "d": 12,
       "w": [
        "{\"rval\":0,\"msg_id\":257,\"param\":${token}}"
       ]
      }
     ]
    },
    "refused": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"rval\":-3,\"msg_id\":257}"
    },
    "holder_query": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "text": "{\"msg_id\":1793}"
    },
    "holder_wait_ms": 800
   },
   "get_file_order": "ack_first",
   "get_file_order_evidence": "sdk",
   "event_md5": "bytes_sent",
   "handlers": {
    "11": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "steps": [
      {
       "d": 16.8,
       "w": [
        "{\"rval\":0,\"msg_id\":11,\"brand\":\"SJCAM\",\"model\":\"SJ8PRO_TAIWAN\",\"chip\":\"A12\",\"app_type\":\"Connected\",\"fw_ver\":\"local\",\"api_ver\":\"4.1.0\",\"media_folder\":\"/tmp/SD0/DCIM\",\"event_folder\":\"/tmp/SD0/EVENT\",\"http\":\"Disable\",\"auth\":\"off\",\"naming_rule\":[{\"type\":\"video\",\"main_section\":[0,6],\"sensor_section\":[6,1],\"stream_section\":[7,1]},{\"type\":\"photo\",\"main_section\":[0,6],\"offset_section\":[6,2]}],\"firmwareVersion\":\"V1.3.2\"}"
       ],
       "pcap": {
        "file": "pcap/sjcam-start-stop-recording.pcap",
        "request_frame": 8,
        "frames": [
         10
        ]
       }
      }
     ]
    },
    "1:camera_mode": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "ref": {
      "file": "pcap/sjcam-start-stop-recording.pcap",
      "request_frame": 12,
      "frames": [
       13
      ]
     },
     "steps": [
      {
       "d": 14.5,
       "w": [
        "{\"rval\":0,\"msg_id\":1,\"type\":\"camera_mode\",\"param\":\"${camera_mode}\"}"
       ]
      }
     ],
     "note": "pcap shows normal_record; README_examples shows the other modes with the same shape"
    },
    "1": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "action": "get_setting",
     "ref": {
      "file": "pcap/sjcam-start-stop-recording.pcap",
      "request_frame": 12,
      "frames": [
       13
      ]
     },
     "steps": [
      {
       "d": 14.5,
       "w": [
        "{\"rval\":0,\"msg_id\":1,\"type\":\"${type}\",\"param\":\"${value}\"}"
       ]
      }
     ],
     "note": "shape of the captured camera_mode reply applied to any setting name"
    },
    "3": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "action": "settings_all",
     "ref": {
      "file": "pcap/sjcam-start-stop-recording.pcap",
      "request_frame": 14,
      "frames": [
       15,
       16
      ]
     },
     "steps": [
      {
       "d": 34.6,
       "w": [
        "${settings_all}"
       ],
       "split_gap_ms": 12.7
      }
     ],
     "note": "rendered from the settings list below; for the captured state it is byte-identical to frames 15+16 (1448 + 107 bytes, 12.7 ms apart)"
    },
    "2053": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "action": "settings_subset",
     "ref": {
      "file": "pcap/sjcam-settings.pcap",
      "request_frame": 495,
      "frames": [
       497
      ]
     },
     "steps": [
      {
       "d": 15.6,
       "w": [
        "${settings_subset}"
       ]
      }
     ]
    },
    "515": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "steps": [
        {
         "d": 56,
         "w": [
          "{\"rval\":0,\"msg_id\":515,\"param\":${rec_seconds}}"
         ]
        }
       ],
       "ref": {
        "file": "pcap/sjcam-start-stop-recording.pcap",
        "request_frame": 549,
        "frames": [
         568
        ]
       }
      },
      {
       "steps": [
        {
         "d": 14.8,
         "w": [
          "{\"rval\":-14,\"msg_id\":515}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 18,
          "frames": [
           19
          ]
         }
        }
       ]
      }
     ]
    },
    "2:camera_mode": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "ref": {
      "file": "pcap/sjcam-led-on.pcap",
      "request_frame": 15,
      "frames": [
       17,
       25
      ]
     },
     "set": {
      "camera_mode": "${param}"
     },
     "steps": [
      {
       "d": 11.8,
       "w": [
        "{\"rval\":0,\"msg_id\":2,\"type\":\"camera_mode\"}"
       ]
      },
      {
       "d": 20.6,
       "w": [
        "{\"msg_id\":7,\"type\":\"${param}\"}"
       ]
      }
     ],
     "note": "two segments ~20 ms apart in the pcap; README_examples shows the reader getting both in one recv()"
    },
    "2": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "action": "set_setting",
     "ref": [
      {
       "file": "pcap/sjcam-start-stop-recording.pcap",
       "request_frame": 21,
       "frames": [
        22
       ]
      },
      {
       "file": "pcap/sjcam-led-on.pcap",
       "request_frame": 5,
       "frames": [
        7
       ]
      },
      {
       "file": "pcap/sjcam-led-on.pcap",
       "request_frame": 8,
       "frames": [
        9
       ]
      },
      {
       "file": "pcap/sjcam-led-on.pcap",
       "request_frame": 10,
       "frames": [
        11
       ]
      },
      {
       "file": "pcap/sjcam-settings.pcap",
       "request_frame": 607,
       "frames": [
        609
       ]
      },
      {
       "file": "pcap/sjcam.misc2.pcap",
       "request_frame": 1061,
       "frames": [
        1063
       ]
      }
     ],
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":2,\"type\":\"${type}\"}"
       ]
      }
     ],
     "note": "same echo shape captured for camera_clock, Indicator lights, save_low_resolution_clip, stream_out_type, Front Display, Language"
    },
    "9": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "by_param": {
      "Resolution": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Resolution\",\"options\":[\"4K (3840x2160) 24FPS\",\"4K (3840x2160) 25FPS\",\"4K (3840x2160) 30FPS\",\"4K (3840x2160) 50FPS\",\"4K (3840x2160) 60FPS\",\"4K UItra (3840X2160) 24FPS\",\"4K UItra (3840X2160) 30FPS\",\"2.7K (2720x1520) 24FPS\",\"2.7K (2720x1520) 25FPS\",\"2.7K (2720x1520) 30FPS\",\"2.7K (2720x1520) 50FPS\",\"2.7K (2720x1520) 60FPS\",\"1440 (2560x1440) 24FPS\",\"1440 (2560x1440) 25FPS\",\"1440 (2560x1440) 30FPS\",\"1440 (2560x1440) 50FPS\",\"1440 (2560x1440) 60FPS\",\"1080(1920x1080) 24FPS\",\"1080(1920x1080) 25FPS\",\"1080(1920x1080) 30FPS\",\"1080(1920x1080) 50FPS\",\"1080(1920x1080) 60FPS\",\"1080(1920x1080) 120FPS\",\"1080 Ultra(1920X1080) 30FPS\",\"1080 Ultra(1920X1080) 60FPS\",\"720(1280x720) 240FPS\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 24,
          "frames": [
           25
          ]
         }
        }
       ]
      },
      "Power-On Record": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Power-On Record\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 27,
          "frames": [
           31
          ]
         }
        }
       ]
      },
      "Video Lapse Resolution": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Video Lapse Resolution\",\"options\":[\"4K (3840x2160)\",\"1440 (2560x1440)\",\"1080 (1920x1080)\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 50,
          "frames": [
           51
          ]
         }
        }
       ]
      },
      "Video Lapse": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Video Lapse\",\"options\":[\"1 Second\",\"2 Seconds\",\"5 Seconds\",\"10 Seconds\",\"20 Seconds\",\"30 Seconds\",\"60 Seconds\",\"5 Minutes\",\"15 Minutes\",\"30 Minutes\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 53,
          "frames": [
           54
          ]
         }
        }
       ]
      },
      "Slow Motion": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Slow Motion\",\"options\":[\"-2X\",\"-4X\",\"-8X\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 84,
          "frames": [
           86
          ]
         }
        }
       ]
      },
      "Image Size": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Image Size\",\"options\":[\"12MP 4000x3000 4:3\",\"10MP 3648x2736 4:3\",\"8MP 3840x2160 16:9\",\"8MP 3264x2448 4:3\",\"5MP 2592x1944 4:3\",\"3MP 2048x1536 4:3\",\"2MP 1920x1080 16:9\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 88,
          "frames": [
           89
          ]
         }
        }
       ]
      },
      "Photo ISO": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Photo ISO\",\"options\":[\"Auto\",\"100\",\"200\",\"400\",\"800\",\"1600\",\"3200\",\"6400\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 92,
          "frames": [
           93
          ]
         }
        }
       ]
      },
      "Shutter Speed": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Shutter Speed\",\"options\":[\"Auto\",\"1/500 Second\",\"1/240 Second\",\"1/120 Second\",\"1/60 Second\",\"1/30 Second\",\"1/20 Second\",\"1/10 Second\",\"1/5 Second\",\"1/2 Second\",\"2 Seconds\",\"5 Seconds\",\"10 Seconds\",\"15 Seconds\",\"20 Seconds\",\"30 Seconds\",\"60 Seconds\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 98,
          "frames": [
           99
          ]
         }
        }
       ]
      },
      "Photo Sharpness": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Photo Sharpness\",\"options\":[\"Strong\",\"Standard\",\"Soft\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 104,
          "frames": [
           105
          ]
         }
        }
       ]
      },
      "Photo Lapse Interval": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Photo Lapse Interval\",\"options\":[\"3 Seconds\",\"5 Seconds\",\"10 Seconds\",\"20 Seconds\",\"30 Seconds\",\"60 Seconds\",\"5 Minutes\",\"15 Minutes\",\"30 Minutes\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 134,
          "frames": [
           136
          ]
         }
        }
       ]
      },
      "Time photo ISO": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Time photo ISO\",\"options\":[\"Auto\",\"100\",\"200\",\"400\",\"800\",\"1600\",\"3200\",\"6400\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 143,
          "frames": [
           144
          ]
         }
        }
       ]
      },
      "Time photo shutter": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Time photo shutter\",\"options\":[\"Auto\",\"1/500 Second\",\"1/240 Second\",\"1/120 Second\",\"1/60 Second\",\"1/30 Second\",\"1/20 Second\",\"1/10 Second\",\"1/5 Second\",\"1/2 Second\",\"2 Seconds\",\"5 Seconds\",\"10 Seconds\",\"15 Seconds\",\"20 Seconds\",\"30 Seconds\",\"60 Seconds\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 147,
          "frames": [
           148
          ]
         }
        }
       ]
      },
      "Burst Mode": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Burst Mode\",\"options\":[\"3 photos\",\"5 photos\",\"10 photos\",\"30 photos\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 182,
          "frames": [
           183
          ]
         }
        }
       ]
      },
      "Burst ISO": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Burst ISO\",\"options\":[\"Auto\",\"100\",\"200\",\"400\",\"800\",\"1600\",\"3200\",\"6400\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 186,
          "frames": [
           187
          ]
         }
        }
       ]
      },
      "Video_photo Resolution": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Video_photo Resolution\",\"options\":[\"4K (3840x2160) 25FPS\",\"4K (3840x2160) 30FPS\",\"4K (3840x2160) 50FPS\",\"4K (3840x2160) 60FPS\",\"2.7K (2720x1520) 50FPS\",\"2.7K (2720x1520) 60FPS\",\"1080(1920x1080) 25FPS\",\"1080(1920x1080) 30FPS\",\"1080(1920x1080) 50FPS\",\"1080(1920x1080) 60FPS\",\"1080(1920x1080) 120FPS\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 190,
          "frames": [
           193
          ]
         }
        }
       ]
      },
      "Photo Interval": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Photo Interval\",\"options\":[\"3 Seconds\",\"5 Seconds\",\"10 Seconds\",\"15 Seconds\",\"30 Seconds\",\"60 Seconds\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 196,
          "frames": [
           197
          ]
         }
        }
       ]
      },
      "EV": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"EV\",\"options\":[\"+2.0\",\"+5/3\",\"+4/3\",\"+1.0\",\"+2/3\",\"+1/3\",\"+0.0\",\"-1/3\",\"-2/3\",\"-1.0\",\"-4/3\",\"-5/3\",\"-2.0\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 232,
          "frames": [
           233
          ]
         }
        }
       ]
      },
      "White Balance": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"White Balance\",\"options\":[\"Auto\",\"Sunny\",\"Cloudy\",\"Fluorescent\",\"Underwater\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 235,
          "frames": [
           236
          ]
         }
        }
       ]
      },
      "Color Profile": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Color Profile\",\"options\":[\"SJCAM - Vivid\",\"Flat\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 241,
          "frames": [
           242
          ]
         }
        }
       ]
      },
      "Metering Mode": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Metering Mode\",\"options\":[\"Center\",\"Spot\",\"Average\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 245,
          "frames": [
           246
          ]
         }
        }
       ]
      },
      "Gyro Stabilizer": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Gyro Stabilizer\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 251,
          "frames": [
           252
          ]
         }
        }
       ]
      },
      "Encoding": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Encoding\",\"options\":[\"H.264\",\"H.265\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 279,
          "frames": [
           281
          ]
         }
        }
       ]
      },
      "Volume": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Volume\",\"options\":[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 282,
          "frames": [
           285
          ]
         }
        }
       ]
      },
      "Sharpness": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Sharpness\",\"options\":[\"Strong\",\"Standard\",\"Soft\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 288,
          "frames": [
           289
          ]
         }
        }
       ]
      },
      "Distortion Correction": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Distortion Correction\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 293,
          "frames": [
           294
          ]
         }
        }
       ]
      },
      "Loop Recording": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Loop Recording\",\"options\":[\"On\",\"Off\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 297,
          "frames": [
           300
          ]
         }
        }
       ]
      },
      "File Size": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"File Size\",\"options\":[\"1 Minute\",\"2 Minutes\",\"3 Minutes\",\"5 Minutes\",\"10 Minutes\",\"15 Minutes\",\"20 Minutes\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 307,
          "frames": [
           331
          ]
         }
        }
       ]
      },
      "Video Quality": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Video Quality\",\"options\":[\"Fine\",\"Standard\",\"Economy\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 333,
          "frames": [
           335
          ]
         }
        }
       ]
      },
      "ISO": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"ISO\",\"options\":[\"MAX 100\",\"MAX 200\",\"MAX 400\",\"MAX 800\",\"MAX 1600\",\"MAX 3200\",\"MAX 6400\",\"100\",\"200\",\"400\",\"800\",\"1600\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 338,
          "frames": [
           339
          ]
         }
        }
       ]
      },
      "Audio": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Audio\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 342,
          "frames": [
           345
          ]
         }
        }
       ]
      },
      "Time Stamp": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Time Stamp\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 348,
          "frames": [
           349
          ]
         }
        }
       ]
      },
      "RAW": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"RAW\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 432,
          "frames": [
           434
          ]
         }
        }
       ]
      },
      "Photo Quality": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Photo Quality\",\"options\":[\"Fine\",\"Standard\",\"Economy\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 436,
          "frames": [
           437
          ]
         }
        }
       ]
      },
      "Language": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Language\",\"options\":[\"en\",\"cn\",\"tc\",\"fr\",\"de\",\"es\",\"it\",\"pt\",\"ja\",\"ru\",\"ko\",\"pl\",\"cs\",\"sk\",\"hu\",\"da\",\"nl\",\"tr\",\"fi\",\"ro\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 442,
          "frames": [
           443
          ]
         }
        }
       ]
      },
      "Format": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Format\",\"options\":[\"Cancel\",\"OK\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 446,
          "frames": [
           447
          ]
         }
        }
       ]
      },
      "Auto Power Off": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Auto Power Off\",\"options\":[\"Off\",\"3 Minutes\",\"5 Minutes\",\"10 Minutes\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 450,
          "frames": [
           454
          ]
         }
        }
       ]
      },
      "LCD Off Time": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"LCD Off Time\",\"options\":[\"Off\",\"30 Seconds\",\"1 Minute\",\"3 Minutes\",\"5 Minutes\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 469,
          "frames": [
           476
          ]
         }
        }
       ]
      },
      "Front Display": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Front Display\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 483,
          "frames": [
           484
          ]
         }
        }
       ]
      },
      "Indicator lights": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Indicator lights\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 488,
          "frames": [
           489
          ]
         }
        }
       ]
      },
      "Keypad Tone": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Keypad Tone\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 500,
          "frames": [
           529
          ]
         }
        }
       ]
      },
      "Rotate": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Rotate\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 530,
          "frames": [
           541
          ]
         }
        }
       ]
      },
      "External microphone": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"External microphone\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 542,
          "frames": [
           544
          ]
         }
        }
       ]
      },
      "Frequency": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Frequency\",\"options\":[\"50 Hz\",\"60 Hz\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 561,
          "frames": [
           572
          ]
         }
        }
       ]
      },
      "Default Setting": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Default Setting\",\"options\":[\"Cancel\",\"OK\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 597,
          "frames": [
           598
          ]
         }
        }
       ]
      },
      "Display ISO": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Display ISO\",\"options\":[\"On\",\"Off\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 602,
          "frames": [
           605
          ]
         }
        }
       ]
      },
      "User Interface": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"User Interface\",\"options\":[\"Classic\",\"SJCAM\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam-start-stop-recording.pcap",
          "request_frame": 608,
          "frames": [
           609
          ]
         }
        }
       ]
      },
      "Gimbal Control": {
       "evidence": "pcap",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 16,
         "w": [
          "{\"rval\":0,\"msg_id\":9,\"permission\":\"settable\",\"param\":\"Gimbal Control\",\"options\":[\"Off\",\"On\"]}"
         ],
         "pcap": {
          "file": "pcap/sjcam.misc2.pcap",
          "request_frame": 522,
          "frames": [
           523
          ]
         }
        }
       ]
      }
     },
     "fallback": {
      "evidence": "sdk-table",
      "source": "ambarella-applib-sdk",
      "steps": [
       {
        "d": 15,
        "w": [
         "{\"rval\":-24,\"msg_id\":9}"
        ]
       }
      ],
      "note": "unknown name: not captured; -24 = ERROR_NETCTRL_INVALID_TYPE"
     }
    },
    "13": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "ref": {
      "file": "pcap/sjcam-start-stop-recording.pcap",
      "request_frame": 39,
      "frames": [
       42
      ]
     },
     "steps": [
      {
       "d": 18.5,
       "w": [
        "{\"rval\":0,\"msg_id\":13,\"type\":\"${power}\",\"param\":${battery}}"
       ]
      }
     ],
     "note": "pcap: battery/75; README_examples: adapter/100 and battery/25 with the same shape"
    },
    "513": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "evidence": "log",
       "source": "rigacci-sj8-readme-examples",
       "steps": [
        {
         "d": 17,
         "w": [
          "{\"rval\":-1,\"msg_id\":513}"
         ]
        }
       ],
       "note": "README_examples: \"Already recording\""
      },
      {
       "when": {
        "camera_mode": [
         "normal_capture",
         "timelapse_photo",
         "burst_capture"
        ]
       },
       "evidence": "log",
       "source": "rigacci-sj8-readme-examples",
       "set": {
        "busy_ms": 1450
       },
       "steps": [
        {
         "d": 17.4,
         "w": [
          "{\"rval\":0,\"msg_id\":513}"
         ]
        },
        {
         "d": 1450,
         "w": [
          "{\"msg_id\":7,\"type\":\"start_normal_capture\"}"
         ]
        }
       ],
       "note": "README_examples: 513 in a capture mode gives start_normal_capture; delay copied from the record case"
      },
      {
       "set": {
        "recording": true,
        "rec_started": "${now}",
        "busy_ms": 1450
       },
       "ref": {
        "file": "pcap/sjcam-start-stop-recording.pcap",
        "request_frame": 496,
        "frames": [
         497,
         547
        ]
       },
       "steps": [
        {
         "d": 17.4,
         "w": [
          "{\"rval\":0,\"msg_id\":513}"
         ]
        },
        {
         "d": 1450,
         "w": [
          "{\"msg_id\":7,\"type\":\"start_normal_record\"}"
         ]
        }
       ],
       "note": "pcap: ack +17 ms, start_normal_record +1468 ms after the request; replies to other commands in between took 95-818 ms"
      }
     ]
    },
    "514": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "cases": [
      {
       "when": {
        "recording": true
       },
       "set": {
        "recording": false
       },
       "ref": {
        "file": "pcap/sjcam-start-stop-recording.pcap",
        "request_frame": 1899,
        "frames": [
         1902,
         1908
        ]
       },
       "steps": [
        {
         "d": 14.6,
         "w": [
          "{\"rval\":0,\"msg_id\":514}"
         ]
        },
        {
         "d": 1209,
         "w": [
          "{\"msg_id\":7,\"type\":\"stop_normal_record\"}"
         ]
        }
       ]
      },
      {
       "evidence": "inferred",
       "source": "rigacci-sj8-pcap",
       "steps": [
        {
         "d": 15,
         "w": [
          "{\"rval\":-14,\"msg_id\":514}"
         ]
        }
       ],
       "note": "not captured; -14 mirrors the captured 515-when-idle answer"
      }
     ]
    },
    "260": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "ref": [
      {
       "file": "pcap/sjcam-led-on.pcap",
       "request_frame": 1,
       "frames": [
        3
       ]
      },
      {
       "file": "pcap/sjcam-settings.pcap",
       "request_frame": 588,
       "frames": [
        590
       ]
      },
      {
       "file": "pcap/sjcam.misc2.pcap",
       "request_frame": 1057,
       "frames": [
        1059
       ]
      }
     ],
     "set": {
      "vf": "off"
     },
     "steps": [
      {
       "d": 118,
       "w": [
        "{\"rval\":0,\"msg_id\":260}"
       ]
      }
     ],
     "note": "ack took 101-136 ms; no vf_stop event on this camera"
    },
    "259": {
     "evidence": "pcap",
     "source": "rigacci-sj8-pcap",
     "ref": {
      "file": "pcap/sjcam-led-on.pcap",
      "request_frame": 12,
      "frames": [
       13
      ]
     },
     "set": {
      "vf": "on"
     },
     "steps": [
      {
       "d": 14,
       "w": [
        "{\"rval\":0,\"msg_id\":259}"
       ]
      }
     ],
     "note": "no vf_start event on this camera"
    },
    "5:total": {
     "evidence": "log",
     "source": "rigacci-sj8-readme-examples",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":5,\"param\":61765632}"
       ]
      }
     ]
    },
    "5:free": {
     "evidence": "log",
     "source": "rigacci-sj8-readme-examples",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":5,\"param\":51504768}"
       ]
      }
     ]
    },
    "258": {
     "evidence": "log",
     "source": "rigacci-sj8-readme-examples",
     "action": "session_stop",
     "steps": [
      {
       "d": 15,
       "w": [
        "{\"rval\":0,\"msg_id\":258}"
       ]
      }
     ]
    },
    "261": {
     "evidence": "log",
     "source": "theliel-mijia-session",
     "steps": [
      {
       "d": 10,
       "w": [
        "{\"rval\":0,\"msg_id\":261}"
       ]
      }
     ]
    },
    "1283": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "cd",
     "steps": [
      {
       "d": 10,
       "w": [
        "{\"rval\":0,\"msg_id\":1283,\"pwd\":\"${pwd}\"}"
       ]
      }
     ]
    },
    "1284": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "pwd",
     "steps": [
      {
       "d": 10,
       "w": [
        "{\"rval\":0,\"msg_id\":1284,\"pwd\":\"${pwd}\"}"
       ]
      }
     ]
    },
    "1282": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "ls",
     "steps": [
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":1282,\"listing\":${listing}}"
       ]
      }
     ]
    },
    "1281": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "delete",
     "steps": [
      {
       "d": 20,
       "w": [
        "{\"rval\":0,\"msg_id\":1281}"
       ]
      }
     ]
    },
    "1285": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "get_file",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1285,\"rem_size\":${rem_size},\"size\":${size}}",
      "complete": "{\"token\":${token},\"msg_id\":7,\"type\":\"get_file_complete\",\"param\":[{\"bytes sent\":${bytes_sent}},{\"md5sum\":\"${md5}\"}]}",
      "fail": "{\"token\":${token},\"msg_id\":7,\"type\":\"get_file_fail\",\"param\":[{\"bytes sent\":${bytes_sent}},{\"md5sum\":\"${md5}\"}]}"
     },
     "note": "ack first (SDK replies once the data service accepted the job); completion event with the AppLib key order (token first)"
    },
    "1287": {
     "evidence": "sdk",
     "source": "ambarella-applib-sdk",
     "action": "cancel_xfer",
     "texts": {
      "ack": "{\"rval\":0,\"msg_id\":1287,\"transferred_size\":${bytes_sent}}",
      "idle": "{\"rval\":-14,\"msg_id\":1287}"
     }
    }
   },
   "observed_client_requests": {
    "source": "rigacci-sj8-pcap",
    "examples": [
     "{\"msg_id\":257,\"token\":0}",
     "{\"param\":\"2022-04-25 10:29:59\",\"msg_id\":2,\"type\":\"camera_clock\",\"token\":2}",
     "{\"param\":\"none_force\",\"msg_id\":259,\"token\":2}"
    ],
    "note": "the SJCAM Zone app puts param first and never pipelines in one write, but it did send 515 before the reply to a 9 arrived (5.418 s vs 5.439 s)"
   }
  },
  "mijia": "mijia4k"
 }
};
