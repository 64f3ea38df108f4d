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
import { type Consumer, isFollowable } from '../pubsub/follow.js';
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
  observer: DirectObserver;
  /**
   * Set once the subscription is set up: what the transport runs instead of the result
   * envelop returns (TAKEN_OVER).
   */
  stream?: AsyncIterableIterator<never>;
}

/** Metrics of direct subscriptions, whose life and results envelop's hooks do not see. */
export interface DirectObserver {
  /** A counter of the deliveries of one root field, shared by its subscriptions. */
  deliveries(field: string): () => void;
  /** One more (1) or one fewer (-1) active subscription of this root field. */
  active(field: string, change: 1 | -1): void;
}

/**
 * What envelop's subscribe gives for a subscription taken over here: a settled result, so
 * that no plugin wraps a stream around it for its whole life (four wrappers, ~8 KB per
 * idle subscription). The plugins' hooks have seen its setup; its stream is on the sink.
 */
export const TAKEN_OVER: ExecutionResult = Object.freeze({});

/** Above this many unsent bytes on its socket, a subscription waits for its write before reading on. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * graphql-ws subscriptions whose results are executed once per event for every subscriber
 * with the same document, variables and viewer class (SharedResults), serialized once,
 * and written to each socket with only the operation id differing. Setup (the root
 * field's subscribe, with its auth) runs inside every plugin's hooks; the stream after it
 * is the transport's, which counts it and masks its failure as envelop would.
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
        sink.stream = new DirectStream(
          source[Symbol.asyncIterator](),
          subscribeArgs,
          { shared, operationKey, sink },
          rootField(subscribeArgs),
        );
        return TAKEN_OVER;
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
 * Executes a subscription's events, noting for each whether a resolver read the viewer. Its
 * context is made once, at the first event (an idle subscription has none): a subscription
 * executes one event at a time. Synchronous when every resolver is (cached senders).
 */
class EventExecution {
  #readViewer = false;
  readonly #context: object;

  constructor(private readonly args: ExecutionArgs) {
    const context = args.contextValue as { viewer?: unknown };
    const execution = this;
    this.#context = Object.create(context, {
      viewer: {
        get() {
          execution.#readViewer = true;
          return context.viewer;
        },
      },
    }) as object;
  }

  run(event: unknown): Execution | Promise<Execution> {
    this.#readViewer = false;
    const { args } = this;
    const compiled = compiledOperation(args);
    const result = compiled
      ? compiled.query(event, this.#context, args.variableValues ?? {})
      : execute({ ...args, rootValue: event, contextValue: this.#context });
    return result instanceof Promise
      ? result.then((done) => this.#serialize(done))
      : this.#serialize(result);
  }

  #serialize(done: ExecutionResult): Execution {
    const errors = done.errors?.map((error) => maskOperationError(error, MASKED_ERROR_MESSAGE));
    return {
      json: JSON.stringify(errors ? { ...done, errors } : done),
      personal: this.#readViewer || errors !== undefined,
    };
  }
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

/** How a direct subscription's results are made and where they go. */
interface Delivery {
  shared: SharedResults;
  /** Document, operation and variables: the results it may share with other subscribers. */
  operationKey: string;
  sink: DirectSink;
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

/**
 * What graphql-ws iterates for a direct subscription: it yields nothing (each result is
 * written here) and ends when the source ends, so graphql-ws still sends `complete` (and
 * `error` when the source fails) after the last `next`, and still ends it on `complete`
 * from the client or on close. A source that can push (a stream read) is followed, so an
 * idle subscription waits on nothing; any other is pulled.
 */
class DirectStream implements AsyncIterableIterator<never>, Consumer<unknown> {
  #stopped = false;
  #started = false;
  #settle: ((result: IteratorResult<never>) => void) | undefined;
  #fail: ((error: unknown) => void) | undefined;
  readonly #ended: Promise<IteratorResult<never>>;
  readonly #countDelivery: () => void;
  #execution: EventExecution | undefined;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly delivery: Delivery,
    private readonly field: string,
  ) {
    this.#ended = new Promise((resolve, reject) => {
      this.#settle = resolve;
      this.#fail = reject;
    });
    const { observer } = delivery.sink;
    this.#countDelivery = observer.deliveries(field);
    observer.active(field, 1);
  }

  next(): Promise<IteratorResult<never>> {
    // graphql-ws asks once it has registered the subscription: nothing is written before.
    if (!this.#started) {
      this.#started = true;
      if (isFollowable(this.source)) this.source.follow(this);
      else void this.#pump();
    }
    return this.#ended;
  }

  return(): Promise<IteratorResult<never>> {
    this.#stop();
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<never>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  deliver(event: unknown, own = false): void | Promise<void> {
    if (this.#stopped) return;
    const rendered = this.#render(event, own);
    if (typeof rendered === 'string') return this.#write(rendered);
    return rendered.then((payload) => this.#write(payload));
  }

  end(error?: unknown): void {
    if (this.#stopped) return;
    this.#markStopped();
    if (error === undefined) this.#settle?.(DONE);
    // What envelop's masking did to a failing stream's error before it was taken over.
    else this.#fail?.(maskOperationError(error, MASKED_ERROR_MESSAGE));
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#markStopped();
    void this.source.return?.();
    this.#settle?.(DONE);
  }

  #markStopped(): void {
    this.#stopped = true;
    this.delivery.sink.observer.active(this.field, -1);
  }

  #render(event: unknown, own: boolean): string | Promise<string> {
    const { shared, operationKey, sink } = this.delivery;
    // Another subscriber's result can only be for the same event object (a live one).
    if (!own && typeof event === 'object' && event !== null)
      return shared.render(event, operationKey, sink.viewerKey, () => this.#run(event));
    return jsonOf(this.#run(event));
  }

  /**
   * Made when this subscriber first executes an event itself: in a room whose results are
   * shared, most subscribers never do, and each context costs ~1 KB (its own hidden class).
   */
  #run(event: unknown): Execution | Promise<Execution> {
    this.#execution ??= new EventExecution(this.args);
    return this.#execution.run(event);
  }

  /** Writes one result; a promise while a backed-up socket has not taken it. */
  #write(payload: string): void | Promise<void> {
    const { socket, id } = this.delivery.sink;
    // Ended meanwhile (the id may already be reused), or closing: nothing more to write.
    if (this.#stopped || socket.readyState !== WebSocket.OPEN) {
      this.#stop();
      return;
    }
    const frame = `{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`;
    // Taking the next result only once a backed-up socket has taken this frame keeps a
    // replay, or a burst, to one buffer's worth of memory; live events then wait in the
    // reader's queue, under the connection's budget.
    corkForThisTick(socket);
    if (socket.bufferedAmount < HIGH_WATER_BYTES) {
      socket.send(frame);
      this.#countDelivery();
      return;
    }
    return new Promise<void>((resolve) =>
      socket.send(frame, () => {
        this.#countDelivery();
        resolve();
      }),
    );
  }

  /** A source that cannot push: pulled, one result written before the next is asked for. */
  async #pump(): Promise<void> {
    try {
      for (;;) {
        const step = await this.source.next();
        if (step.done || this.#stopped) break;
        await this.deliver(step.value);
        if (this.#stopped) break;
      }
      this.#stop();
    } catch (error) {
      void this.source.return?.();
      this.end(error);
    }
  }
}
