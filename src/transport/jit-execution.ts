import type { DocumentNode, ExecutionArgs } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Executions of a document's operation by graphql-js so far, or what compiling it gave. */
type Slot = number | CompiledQuery | null;

const operations = new WeakMap<DocumentNode, Map<string, Slot>>();

/**
 * A document's operation compiled (graphql-jit) into a function that executes it several
 * times faster than graphql-js's interpreter, once it has run `compileAfter` times before
 * (0: at once); null until then, and where it would not compile (graphql-js runs those).
 * Keyed by the document object: Yoga's parse cache hands the same one for the same text.
 */
export function compiledOperation(args: ExecutionArgs, compileAfter = 0): CompiledQuery | null {
  let byName = operations.get(args.document);
  if (!byName) {
    byName = new Map();
    operations.set(args.document, byName);
  }
  const name = args.operationName ?? '';
  const slot = byName.get(name) ?? 0;
  if (typeof slot !== 'number') return slot;
  if (slot < compileAfter) {
    byName.set(name, slot + 1);
    return null;
  }
  const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
  const compiled = isCompiledQuery(result) ? result : null;
  byName.set(name, compiled);
  return compiled;
}

/** A one-off document costs more to compile than to interpret: compiled from its third run. */
const COMPILE_AFTER_RUNS = 2;

/** Queries and mutations (over HTTP and graphql-ws) executed by their compiled operation. */
export function jitExecutionPlugin(): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => {
        const compiled = compiledOperation(args, COMPILE_AFTER_RUNS);
        return compiled
          ? compiled.query(args.rootValue, args.contextValue, args.variableValues ?? {})
          : executeFn(args);
      });
    },
  };
}
