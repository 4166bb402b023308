// Camera-side texts from the spec's test vectors (docs/protocols/ambarella.md §11) and the captures
// (sim/amba/captures.json), as the framer tests, the fuzzer and the benchmark use them.

/** One camera write per string, in the order of the spec's blocks. */
export const CAMERA_TEXTS: readonly string[] = [
  // T1 session (Yi 1)
  '{"rval":0,"msg_id":257,"param":8}',
  '{"type":"adapter","rval":0,"msg_id":13,"param":"86"}',
  '{"rval":0,"msg_id":5,"param":7774208}',
  '{"type":"camera_clock","rval":0,"msg_id":1,"param":"2016-03-28 02:00:18"}',
  '{"rval":0,"msg_id":2}',
  // T2 framing
  '{"rval":0,"msg_id":3,"param":[{"camera_clock":"2015-04-07 02:32:29"},{"video_standard":"NTSC"},{"video_stamp":"date\\/time"}]}',
  '{"msg_id":7,"type":"battery","param":"81"}',
  '{"msg_id":7,"type":"vf_start"}',
  // T3 string-aware braces
  '{"rval":0,"msg_id":1,"type":"x","param":"a}{\\"b{"}',
  // T4 photo, Yi 1 firmware spacing (pbaja-gist)
  '{ "msg_id": 7, "type": "start_photo_capture" ,"param":"precise quality;off"}',
  '{ "msg_id": 7, "type": "precise_capture_data_ready" }',
  '{ "msg_id": 7, "type": "photo_taken" ,"param":"/tmp/fuse_d/DCIM/100MEDIA/YDXJ0421.jpg"}',
  '{"rval":0,"msg_id":769}',
  // T6 options and errors
  '{"rval":0,"msg_id":9,"param":"video_resolution","permission":"settable","options":["1920x1080 60P 16:9","1920x1080 30P 16:9","1280x960 60P 4:3","1280x720 60P 16:9","1280x720 120P 16:9","848x480 240P 16:9"]}',
  '{"rval":0,"msg_id":3,"param":[{"video_stamp":"settable:off#date#time#date\\/time"}]}',
  '{"rval":-13,"msg_id":2}',
  '{"rval": -7}',
  // T8 listing and file transfer
  '{"rval":0,"msg_id":1282,"listing":[{"YDXJ0001.jpg":"2752758 bytes|2016-06-17 02:28:12"},{"YDXJ0002.mp4":"15109422 bytes|2016-06-17 02:30:40"}]}',
  '{"msg_id":7,"type":"get_file_complete","param":[{"bytes sent":2752758},{"md5sum":"5f4eb3f0743b2c2cf718a8399828053e"}]}',
  '{"rval":0,"msg_id":1285,"rem_size":2752758,"size":2752758}',
  // T9, T10
  '{"md5sum":"38c3bc506d741fd353738136bdccabdc","msg_id":7,"type":"put_file_complete","param":205747844}',
  '{"msg_id":1793}',
  // T11 Mijia: ack and event in one write, Windows paths
  '{"rval":0,"msg_id":514}{"msg_id":7,"type":"record_complete","param":"C:\\\\DCIM\\\\100MEDIA\\\\VID_20180117_045015_0004.MP4"}',
  '{"rval":0,"msg_id":13,"param":"adapter","level":"90"}',
  '{"msg_id":7,"type":"setting_changed","param":"video_resolution","value":"1920x1080/30"}',
  '{"rval":0,"msg_id":9,"permission":"settable","param":"video_resolution","options":[\n  "3840x2160/30",\n  "2560x1440/60"\n]}',
  '{"rval":0, "msg_id":3, "param":[\n\t{"app_status":"vf"},\n\t{"sd_status":"CARD_INSERT"}\n]}',
  // T12 SJ8 (pcap)
  '{"rval":0,"msg_id":11,"brand":"SJCAM","model":"SJ8PRO_TAIWAN","chip":"A12","app_type":"Connected","fw_ver":"local","api_ver":"4.1.0","media_folder":"/tmp/SD0/DCIM","event_folder":"/tmp/SD0/EVENT","http":"Disable","auth":"off","naming_rule":[{"type":"video","main_section":[0,6],"sensor_section":[6,1],"stream_section":[7,1]},{"type":"photo","main_section":[0,6],"offset_section":[6,2]}],"firmwareVersion":"V1.3.2"}',
  '{"rval":-14,"msg_id":515}',
  '{"msg_id":7,"type":"start_normal_record"}',
  // non-ASCII inside a string (a camera name, an SSID)
  '{"rval":0,"msg_id":1,"type":"wifi_ssid","param":"Kamera-Ümlaut-日本-😀"}',
];

/** The known broken reply (spec §1.2 b): a Wi-Fi error without its closing brace. */
export const MISSING_BRACE = '{"rval":-9,"msg_id":1539';
