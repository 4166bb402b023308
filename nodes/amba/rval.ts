// The camera's result codes (spec §5, the reference server's table, which matches every capture)
// and the error a failed request turns into, so a Catch node gets a sentence, not a number.

const RVAL_MEANING: Readonly<Record<number, string>> = {
  [-1]: 'unknown error (file not found, or already recording, on some firmware)',
  [-3]: 'session refused: another device holds the camera',
  [-4]: 'invalid token: the session was lost',
  [-5]: 'too many clients',
  [-7]: 'the camera could not read the request (JSON package error)',
  [-8]: 'the request was incomplete (JSON package timeout)',
  [-9]: 'not a valid command (JSON syntax error)',
  [-13]: 'invalid option value',
  [-14]: 'not possible now (invalid operation)',
  [-15]: 'setting not writable',
  [-16]: 'HDMI is plugged in',
  [-17]: 'no space left on the card',
  [-18]: 'the card is write-protected',
  [-19]: 'the camera is out of memory',
  [-20]: 'photo while recording is not allowed',
  [-21]: 'the camera is busy',
  [-22]: 'the camera is not ready',
  [-23]: 'operation not supported by this camera',
  [-24]: 'invalid type (unknown setting name)',
  [-25]: 'invalid parameter',
  [-26]: 'invalid path (no such file or directory)',
  [-27]: 'directory exists (card missing or full?)',
  [-28]: 'permission denied (card unusable?)',
  [-29]: 'authentication failed',
};

export function rvalMeaning(rval: number): string {
  return RVAL_MEANING[rval] ?? 'unknown result code';
}

/** Failures of a request: the camera's own refusals carry `rval`, local ones a `code`. */
export class AmbaError extends Error {
  readonly rval?: number;
  readonly msgId?: number;
  readonly code: string;

  constructor(message: string, details: { rval?: number; msgId?: number; code?: string } = {}) {
    super(message);
    this.name = 'AmbaError';
    this.rval = details.rval;
    this.msgId = details.msgId;
    this.code = details.code ?? (details.rval !== undefined ? 'RVAL' : 'AMBA');
  }

  static fromRval(rval: number, msgId: number | undefined, what: string): AmbaError {
    return new AmbaError(`${what} failed: rval ${rval}, ${rvalMeaning(rval)}`, { rval, msgId, code: 'RVAL' });
  }
}
