// The camera's date format, "YYYY-MM-DD HH:MM:SS" in local time: camera_clock values, listing
// dates and media info all use it.

export function cameraClock(date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
