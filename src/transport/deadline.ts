/** setTimeout holds at most 2^31-1 ms (24.8 days); a later deadline is reached in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface Deadline {
  cancel(): void;
}

/** Runs `action` once at the wall-clock time `atMs`, however far away. */
export function atDeadline(atMs: number, action: () => void): Deadline {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = Math.max(0, atMs - Date.now());
    timer = setTimeout(left > MAX_TIMEOUT_MS ? arm : action, Math.min(left, MAX_TIMEOUT_MS));
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
