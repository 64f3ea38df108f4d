import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
  Kind,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import WebSocket from 'ws';
import { attachPush, type StreamRead } from '../services/stream-reader.js';
import { compiledOperation } from './jit-execution.js';
import { MASKED_ERROR_MESSAGE, maskOperationError } from './masking.js';
import { type Execution, SharedResults } from './shared-results.js';

/**
 * Set by the graphql-ws transport in an operation's context: where the results of its
 * subscription are written, past graphql-ws's per-result serializing and promise chain.
 */
export interface DirectSink {
  socket: WebSocket;
  /** The graphql-ws operation id, spliced into each `next` message. */
  id: string;
  /** Who the viewer is as far as a result can differ (user and token expiry). */
  viewerKey: string;
  /** A counter of the deliveries of one root field (metrics). */
  deliveries: (field: string) => () => void;
}

/** Above this many unsent bytes on its socket, a subscription waits for its write before reading on. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * graphql-ws subscriptions whose results are executed once per event for every subscriber
 * with the same document, variables and viewer class (SharedResults), serialized once,
 * and written to each socket with only the operation id differing. Setup (the root
 * field's subscribe, with its auth) and every plugin hook around it run as before.
 */
export function directSubscriptionsPlugin(): Plugin {
  const shared = new SharedResults();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const documentId = (document: DocumentNode): number => {
    let id = documentIds.get(document);
    if (id === undefined) {
      nextDocumentId += 1;
      id = nextDocumentId;
      documentIds.set(document, id);
    }
    return id;
  };
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const sink = (args.contextValue as { directSink?: DirectSink }).directSink;
      if (!sink) return;
      setSubscribeFn(async (subscribeArgs: ExecutionArgs) => {
        const source = await createSourceEventStream(subscribeArgs);
        if (!isAsyncIterable(source)) return source;
        // Yoga's parse cache hands the same document object for the same text.
        const operationKey = `${documentId(subscribeArgs.document)}\u0000${subscribeArgs.operationName ?? ''}\u0000${JSON.stringify(subscribeArgs.variableValues ?? null)}`;
        const run = (event: unknown) => executeEvent(subscribeArgs, event);
        return new DirectStream(source[Symbol.asyncIterator](), (event) =>
          typeof event === 'object' && event !== null
            ? shared.render(event, operationKey, sink.viewerKey, () => run(event))
            : jsonOf(run(event)),
        ).start(sink, rootField(subscribeArgs));
      });
    },
  };
}

const jsonOf = (execution: Execution | Promise<Execution>): string | Promise<string> =>
  execution instanceof Promise ? execution.then((done) => done.json) : execution.json;

function rootField(args: ExecutionArgs): string {
  const selection = getOperationAST(args.document, args.operationName)?.selectionSet.selections[0];
  return selection?.kind === Kind.FIELD ? selection.name.value : '';
}

/**
 * One execution of the selection set for an event, noting whether a resolver read the
 * viewer; synchronous when every resolver is (the common case: cached senders).
 */
function executeEvent(args: ExecutionArgs, event: unknown): Execution | Promise<Execution> {
  const context = args.contextValue as { viewer?: unknown };
  let readViewer = false;
  const tracked = Object.create(context, {
    viewer: {
      get: () => {
        readViewer = true;
        return context.viewer;
      },
    },
  }) as object;
  const compiled = compiledOperation(args);
  const result = compiled
    ? compiled.query(event, tracked, args.variableValues ?? {})
    : execute({ ...args, rootValue: event, contextValue: tracked });
  const serialize = (done: ExecutionResult): Execution => {
    const errors = done.errors?.map((error) => maskOperationError(error, MASKED_ERROR_MESSAGE));
    return {
      json: JSON.stringify(errors ? { ...done, errors } : done),
      personal: readViewer || errors !== undefined,
    };
  };
  return result instanceof Promise ? result.then(serialize) : serialize(result);
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

const corked = new WeakSet<Corkable>();
let corkedThisTick: Corkable[] = [];

const uncorkAll = () => {
  const sockets = corkedThisTick;
  corkedThisTick = [];
  for (const raw of sockets) {
    corked.delete(raw);
    raw.uncork();
  }
};

/**
 * Holds a socket's writes until the promise jobs of this tick have run, so that what a
 * subscription writes in a row (a replay page, a burst) leaves in one system call, not one
 * per message. ws corks each frame itself; corks nest. One tick callback uncorks every
 * socket an event was written to.
 */
function corkForThisTick(socket: WebSocket): void {
  // ws keeps its net.Socket private; without it, frames are simply written one by one.
  const raw = (socket as unknown as { _socket?: Corkable })._socket;
  if (!raw || corked.has(raw)) return;
  corked.add(raw);
  raw.cork();
  if (corkedThisTick.length === 0) process.nextTick(uncorkAll);
  corkedThisTick.push(raw);
}

/**
 * What graphql-ws iterates for a direct subscription: it yields nothing (the pump writes
 * each result itself) and ends when the source ends, so graphql-ws still sends `complete`
 * (and `error` when the source fails) after the last `next`, and still ends it on
 * `complete` from the client or on close.
 */
class DirectStream implements AsyncIterableIterator<never> {
  #stopped = false;
  #pumping = false;
  #sink: DirectSink | undefined;
  #countDelivery: () => void = () => undefined;
  #prefix = '';
  #settle: ((result: IteratorResult<never>) => void) | undefined;
  #fail: ((error: unknown) => void) | undefined;
  readonly #ended: Promise<IteratorResult<never>>;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly render: (event: unknown) => string | Promise<string>,
  ) {
    this.#ended = new Promise((resolve, reject) => {
      this.#settle = resolve;
      this.#fail = reject;
    });
  }

  start(sink: DirectSink, field: string): this {
    this.#sink = sink;
    this.#countDelivery = sink.deliveries(field);
    return this;
  }

  next(): Promise<IteratorResult<never>> {
    // graphql-ws asks once it has registered the subscription: nothing is written before.
    if (!this.#pumping) {
      this.#pumping = true;
      const sink = this.#sink as DirectSink;
      this.#prefix = `{"id":${JSON.stringify(sink.id)},"type":"next","payload":`;
      if (attachPush in this.source)
        (this.source as StreamRead)[attachPush]((event) => this.#writeAtOnce(sink, event));
      void this.#pump();
    }
    return this.#ended;
  }

  return(): Promise<IteratorResult<never>> {
    this.#stop();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(): Promise<IteratorResult<never>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    void this.source.return?.();
    this.#settle?.({ done: true, value: undefined });
  }

  /**
   * A live event offered inside its publish (see PushConsumer): written now if its result
   * is already rendered and the socket keeps up; else declined, and it comes through
   * the pump, which then waits on the same rendering.
   */
  #writeAtOnce(sink: DirectSink, event: unknown): boolean {
    if (this.#stopped || sink.socket.readyState !== WebSocket.OPEN) return false;
    if (sink.socket.bufferedAmount >= HIGH_WATER_BYTES) return false;
    const payload = this.render(event);
    if (typeof payload !== 'string') {
      // The pump awaits the same rendering (shared per event) and handles its failure.
      payload.catch(() => undefined);
      return false;
    }
    corkForThisTick(sink.socket);
    sink.socket.send(`${this.#prefix}${payload}}`);
    this.#countDelivery();
    return true;
  }

  async #pump(): Promise<void> {
    const sink = this.#sink as DirectSink;
    const prefix = this.#prefix;
    try {
      for (;;) {
        const step = await this.source.next();
        if (step.done || this.#stopped) break;
        const rendered = this.render(step.value);
        const payload = typeof rendered === 'string' ? rendered : await rendered;
        // Ended meanwhile (the id may already be reused), or closing: nothing more to write.
        if (this.#stopped || sink.socket.readyState !== WebSocket.OPEN) break;
        const frame = `${prefix}${payload}}`;
        // Reading on only once a backed-up socket has taken this frame keeps a replay, or
        // a burst, to one buffer's worth of memory; live events then wait in the reader's
        // queue, under the connection's budget.
        corkForThisTick(sink.socket);
        if (sink.socket.bufferedAmount < HIGH_WATER_BYTES) sink.socket.send(frame);
        else await new Promise<void>((resolve) => sink.socket.send(frame, () => resolve()));
        this.#countDelivery();
      }
      this.#stop();
    } catch (error) {
      this.#stopped = true;
      void this.source.return?.();
      this.#fail?.(error);
    }
  }
}
