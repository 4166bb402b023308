// A real mosquitto for the external-broker tests: generated config, loopback only, anonymous
// access (the cameras' credentials change on every connect), stopped by the test.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireTool } from '../support/ffmpeg';
import { freePort } from '../support/ports';

export interface Mosquitto {
  port: number;
  url: string;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export async function startMosquitto(): Promise<Mosquitto> {
  requireTool('mosquitto');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p2pcam-mosquitto-'));
  let lastLog = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n`);
    const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let exited = false;
    child.on('exit', () => (exited = true));
    child.stderr!.on('data', (c: Buffer) => (lastLog += c.toString()));
    const until = Date.now() + 15_000;
    while (!exited && Date.now() < until && !(await accepts(port))) await new Promise((r) => setTimeout(r, 50));
    if (!exited && (await accepts(port))) {
      return {
        port,
        url: `mqtt://127.0.0.1:${port}`,
        stop: () => new Promise((resolve) => {
          if (exited) return resolve();
          child.once('exit', () => {
            fs.rmSync(dir, { recursive: true, force: true });
            resolve();
          });
          child.kill('SIGTERM');
        }),
      };
    }
    if (!exited) child.kill('SIGKILL');
  }
  throw new Error(`mosquitto did not start: ${lastLog}`);
}
