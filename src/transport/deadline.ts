/** setTimeout holds at most 2^31-1 ms (24.8 days); a later deadline is reached in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Runs `action` once at the wall-clock time `atMs`, however far away. A class rather than
 * closures: every connection holds one (its token's expiry), and each closure a module
 * loader names keeps its own property store.
 */
export class Deadline {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly atMs: number,
    private readonly action: () => void,
  ) {
    this.arm();
  }

  /** Sets the timer for what is left, at most setTimeout's limit at a time. */
  arm(): void {
    const left = Math.max(0, this.atMs - Date.now());
    this.#timer =
      left > MAX_TIMEOUT_MS
        ? setTimeout(armAgain, MAX_TIMEOUT_MS, this)
        : setTimeout(this.action, left);
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}

const armAgain = (deadline: Deadline) => deadline.arm();

export function atDeadline(atMs: number, action: () => void): Deadline {
  return new Deadline(atMs, action);
}
