// What the status of cam-motion and cam-snapshot shows after a failure: a bad frame or a failed
// picture for a few seconds, and a missing ffmpeg until a decode works again (the user has to
// act on that one, so it must not scroll away with the next good JPEG frame).

import { FfmpegMissingError } from './ffmpeg-decoder';

/** A non-fatal problem shows this long. */
export const SHOW_PROBLEM_MS = 5000;

export interface NodeProblem {
  text: string;
  /** Host clock when it happened. */
  at: number;
  /** Stays until cleared: ffmpeg is missing. */
  fatal: boolean;
}

/** The problem `err` leaves; `reason` gives the short status text of anything but a missing ffmpeg. */
export function problemOf(err: Error, reason: (err: Error) => string, now = Date.now()): NodeProblem {
  if (err instanceof FfmpegMissingError) return { text: 'ffmpeg missing', at: now, fatal: true };
  return { text: reason(err), at: now, fatal: false };
}

/** Whether `problem` is still for the status to show at `now`. */
export function isShowing(problem: NodeProblem | null, now: number): problem is NodeProblem {
  return problem !== null && (problem.fatal || now - problem.at < SHOW_PROBLEM_MS);
}
