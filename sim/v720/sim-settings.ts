// The settings a simulated V720 camera keeps, and how it applies the setting commands of spec
// §5.4 — the same in station mode (MQTT, 301 forwards) and AP mode (502 commands).

import { NaxclowMessage, intField, stringField } from '../../nodes/v720/naxclow-json';

const DEFAULT_SETTINGS = {
  apStatus: 0, devPower: 100, sdCapacity: 0, IrLed: 0, SD_freeDisk: -1, SD_blockDisk: -1, cameraState: 0, sd_State: 0,
  sdMoveMode: 0, sdCardReco: 1, instLed: 1, moveAlert: 0, moveGrade: 2, mirrorFlip: 0, speedGrade: 1,
};

/** Which setting each command code changes (spec §5.4). */
const SETTING_OF: Record<number, string> = {
  201: 'speedGrade', 202: 'IrLed', 203: 'sdMoveMode', 205: 'moveAlert', 206: 'moveGrade', 209: 'sdCardReco', 210: 'instLed', 216: 'mirrorFlip',
};

export class SimSettings {
  readonly values: Record<string, unknown> = { ...DEFAULT_SETTINGS, wifiName: 'sim-wifi' };
  /** The last Wi-Fi password set with 204 (the camera keeps it to join that network). */
  wifiPassword: string | undefined;

  constructor(readonly firmware: string, private readonly sdDevStatus: () => number = () => 0) {}

  /**
   * Applies a command; returns the fields it changed (for the echo), and `reboot` when the
   * camera is about to restart (299).
   */
  apply(command: NaxclowMessage): { fields: Record<string, unknown>; reboot?: boolean } {
    const s = this.values;
    const field = SETTING_OF[command.code];
    if (field !== undefined) {
      const value = intField(command, field);
      if (value !== undefined) s[field] = value;
      return { fields: { [field]: s[field] } };
    }
    switch (command.code) {
      case 204:
        s.wifiName = stringField(command, 's', 64) ?? '';
        this.wifiPassword = stringField(command, 'p', 64);
        return { fields: { wifiName: s.wifiName } };
      case 208:
        s.apStatus = 1;
        return { fields: { apStatus: 1 } };
      case 211:
        s.scanWifiBase64 = Buffer.from('sim-wifi\nneighbour').toString('base64');
        return { fields: { scanWifiBase64: s.scanWifiBase64 } };
      case 218:
        return { fields: { sdDevStatus: this.sdDevStatus() } };
      case 299:
        return { fields: { reboot: 1 }, reboot: true };
      default:
        return { fields: {} };
    }
  }

  /** The answer to content code 4 (spec §1.4). */
  baseInfo(): Record<string, unknown> {
    const s = this.values;
    return {
      IrLed: s.IrLed, devPower: s.devPower, speedGrade: s.speedGrade, moveAlert: s.moveAlert, sdMoveMode: s.sdMoveMode, wifiName: s.wifiName,
      instLed: s.instLed, sdDevStatus: this.sdDevStatus(), mirrorFlip: s.mirrorFlip, version: this.firmware,
    };
  }
}
