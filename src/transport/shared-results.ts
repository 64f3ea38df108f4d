/** A subscription result serialized once: for every viewer, or only for the one it was made for. */
interface Rendered {
  json: string;
  /** Undefined when the result did not depend on who asked. */
  viewerKey: string | undefined;
}

type Slot = Rendered | Promise<Rendered>;

/** What one execution gave: its payload JSON, and whether it read the viewer (or failed). */
export interface Execution {
  json: string;
  personal: boolean;
}

/**
 * Results of one event per (operation key, viewer class), so that the subscribers of a
 * stream running the same document with the same variables execute and serialize it once
 * between them. Keyed weakly by the event object that pub/sub hands every subscriber:
 * when the last subscriber is done with the event, its results go with it.
 */
export class SharedResults {
  readonly #byEvent = new WeakMap<object, Map<string, Slot>>();

  /**
   * The payload JSON of `event` for this operation key and viewer: another subscriber's
   * if it may be shared, else `run`'s. A result that read the viewer is kept for that
   * viewer class only.
   */
  render(
    event: object,
    operationKey: string,
    viewerKey: string,
    run: () => Execution | Promise<Execution>,
  ): string | Promise<string> {
    let slots = this.#byEvent.get(event);
    if (!slots) {
      slots = new Map();
      this.#byEvent.set(event, slots);
    }
    const shared = slots.get(operationKey) ?? this.#fill(slots, operationKey, viewerKey, run);
    // Settled (the common case for every subscriber but the first): no promise job at all.
    if (!(shared instanceof Promise))
      return this.#forViewer(shared, slots, operationKey, viewerKey, run);
    return shared.then((common) => this.#forViewer(common, slots, operationKey, viewerKey, run));
  }

  #forViewer(
    common: Rendered,
    slots: Map<string, Slot>,
    operationKey: string,
    viewerKey: string,
    run: () => Execution | Promise<Execution>,
  ): string | Promise<string> {
    if (common.viewerKey === undefined || common.viewerKey === viewerKey) return common.json;
    const ownKey = `${operationKey}\u0000${viewerKey}`;
    const own = slots.get(ownKey) ?? this.#fill(slots, ownKey, viewerKey, run);
    return own instanceof Promise ? own.then((rendered) => rendered.json) : own.json;
  }

  #fill(
    slots: Map<string, Slot>,
    slotKey: string,
    viewerKey: string,
    run: () => Execution | Promise<Execution>,
  ): Slot {
    const keep = ({ json, personal }: Execution): Rendered => {
      const rendered = { json, viewerKey: personal ? viewerKey : undefined };
      // Settled: later subscribers read it without waiting on a promise.
      slots.set(slotKey, rendered);
      return rendered;
    };
    const execution = run();
    if (!(execution instanceof Promise)) return keep(execution);
    const pending = execution.then(keep, (error: unknown) => {
      slots.delete(slotKey);
      throw error;
    });
    slots.set(slotKey, pending);
    return pending;
  }
}
