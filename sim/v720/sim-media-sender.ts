// The sending half of a simulated camera's live stream, the same in station mode (UDP) and AP
// mode (the TCP link): ~10 fps MJPEG cut into 1004-byte HEAD/BODY/END fragments with the 5-byte
// tail and consecutive pkgIds (spec §4.1, §4.2), audio as single FINISH packets — G.711 A-law
// (cmd 4) or, like firmware from 202312111512 on, s16le PCM (cmd 6) — and the 605 flow control
// of §4.3: with ~111 packets or 4 s unconfirmed the camera holds its frames.

import { fragmentJpeg } from '../../nodes/v720/jpeg-reassembler';
import { Cmd, FORWARD_ID_DEVICE, MsgFlag, encodePacket } from '../../nodes/v720/naxclow-header';
import { SimPictures } from './sim-pictures';

/** Unconfirmed packets / time without a 605 after which the camera stops sending (spec §4.3). */
export const CONFIRM_WINDOW_PACKETS = 111;
export const CONFIRM_WINDOW_MS = 4000;

/** 'pcma': G.711 A-law (cmd 4); 'pcm': s16le PCM (cmd 6); false: no audio. */
export type SimAudio = 'pcma' | 'pcm' | false;

export interface SimMediaCounts {
  framesSent: number;
  packetsSent: number;
  framesSkipped: number;
  confirmsReceived: number;
  audioPacketsSent: number;
}

export interface SimMediaOptions {
  pictures: SimPictures;
  fps?: number;
  audio?: SimAudio;
}

export class SimMediaSender {
  streaming = false;
  /** Frame numbers sent, in order (the number is in each JPEG's COM segment). */
  readonly sentFrameNumbers: number[] = [];
  private frameTimer: NodeJS.Timeout | null = null;
  private audioTimer: NodeJS.Timeout | null = null;
  private pkgId = 2802;
  private frameNumber = 0;
  private unconfirmed = 0;
  private lastConfirmAt = 0;
  private audioPhase = 0;

  constructor(
    private readonly options: SimMediaOptions,
    readonly counts: SimMediaCounts,
    /** Puts one media packet on the wire (through any fault injection). */
    private readonly send: (packet: Buffer) => void,
    private readonly onStreaming: (on: boolean) => void = () => {},
  ) {}

  /** Starts the stream for content code 3 (audio and video), 2 (video only) or 1 (audio only). */
  start(avCode = 3): void {
    this.stop();
    this.streaming = true;
    this.unconfirmed = 0;
    this.lastConfirmAt = Date.now();
    if (avCode === 3 || avCode === 2) this.frameTimer = setInterval(() => this.sendFrame(), 1000 / (this.options.fps ?? 10));
    const audio = this.options.audio ?? 'pcma';
    if ((avCode === 3 || avCode === 1) && audio) this.audioTimer = setInterval(() => this.sendAudio(audio), audio === 'pcm' ? 50 : 100);
    this.onStreaming(true);
  }

  stop(): void {
    if (this.frameTimer) clearInterval(this.frameTimer);
    if (this.audioTimer) clearInterval(this.audioTimer);
    this.frameTimer = null;
    this.audioTimer = null;
    if (this.streaming) {
      this.streaming = false;
      this.onStreaming(false);
    }
  }

  /** A 605 arrived: the window opens again. */
  confirmed(): void {
    this.counts.confirmsReceived++;
    this.unconfirmed = 0;
    this.lastConfirmAt = Date.now();
  }

  /** Honours 605 flow control: with too much unconfirmed, the camera holds its data. */
  stalled(): boolean {
    return this.unconfirmed >= CONFIRM_WINDOW_PACKETS || Date.now() - this.lastConfirmAt > CONFIRM_WINDOW_MS;
  }

  /** Sends one packet of any media kind with the next pkgId (also used for SD-card data). */
  sendPacket(cmd: number, msgFlag: number, payload: Buffer): void {
    this.counts.packetsSent++;
    this.unconfirmed++;
    this.send(encodePacket({ cmd, msgFlag, forwardId: FORWARD_ID_DEVICE, pkgId: this.nextPkgId(), payload }));
  }

  /** Starts a flow-controlled transfer (a download) with a fresh window. */
  openWindow(): void {
    this.unconfirmed = 0;
    this.lastConfirmAt = Date.now();
  }

  private sendFrame(): void {
    if (this.stalled()) {
      this.counts.framesSkipped++;
      return;
    }
    const n = this.frameNumber++;
    for (const fragment of fragmentJpeg(this.options.pictures.frame(n))) this.sendPacket(Cmd.JPEG, fragment.msgFlag, fragment.payload);
    this.counts.framesSent++;
    this.sentFrameNumbers.push(n);
    if (this.sentFrameNumbers.length > 100_000) this.sentFrameNumbers.splice(0, 50_000);
  }

  /** 100 ms of A-law (800 bytes) or 50 ms of s16le PCM (800 bytes), one FINISH packet (spec §4.4). */
  private sendAudio(audio: 'pcma' | 'pcm'): void {
    if (this.stalled()) return;
    const payload = audio === 'pcma' ? alawTone(800) : pcmTone(400, this.audioPhase);
    this.audioPhase += 400;
    this.sendPacket(audio === 'pcma' ? Cmd.G711 : Cmd.PCM, MsgFlag.FINISH, payload);
    this.counts.audioPacketsSent++;
  }

  private nextPkgId(): number {
    const id = this.pkgId;
    this.pkgId = (this.pkgId + 1) >>> 0;
    return id;
  }
}

/** A 1 kHz tone in A-law (8 samples per period at 8 kHz). */
const ALAW_TONE = [0xd5, 0xa2, 0x9a, 0xa2, 0xd5, 0x22, 0x1a, 0x22];

function alawTone(bytes: number): Buffer {
  const payload = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = ALAW_TONE[i % ALAW_TONE.length];
  return payload;
}

/** `samples` of a 1 kHz sine at 8 kHz, s16le, continuing from sample `phase`. */
export function pcmTone(samples: number, phase = 0): Buffer {
  const payload = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) payload.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * (phase + i)) / 8)), i * 2);
  return payload;
}
