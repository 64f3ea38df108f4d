import { afterEach, describe, expect, it, vi } from 'vitest';
import { atDeadline } from '../src/transport/deadline.js';

const DAY_MS = 86_400_000;

describe('a connection deadline (token expiry)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires at a wall-clock time past the 24.8 days one setTimeout can hold, not before', () => {
    vi.useFakeTimers();
    let fired = 0;
    atDeadline(Date.now() + 30 * DAY_MS, () => {
      fired += 1;
    });
    vi.advanceTimersByTime(29 * DAY_MS);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(DAY_MS);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(30 * DAY_MS);
    expect(fired).toBe(1);
  });

  it('never fires once cancelled, and fires at once for a time already past', () => {
    vi.useFakeTimers();
    let cancelled = 0;
    atDeadline(Date.now() + 40 * DAY_MS, () => {
      cancelled += 1;
    }).cancel();
    let past = 0;
    atDeadline(Date.now() - 1000, () => {
      past += 1;
    });
    vi.advanceTimersByTime(0);
    expect(past).toBe(1);
    vi.advanceTimersByTime(50 * DAY_MS);
    expect(cancelled).toBe(0);
  });

  it('stays cancelled when cancelled after its first step', () => {
    vi.useFakeTimers();
    let fired = 0;
    const deadline = atDeadline(Date.now() + 30 * DAY_MS, () => {
      fired += 1;
    });
    vi.advanceTimersByTime(26 * DAY_MS);
    deadline.cancel();
    vi.advanceTimersByTime(10 * DAY_MS);
    expect(fired).toBe(0);
  });
});
