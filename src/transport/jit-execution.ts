import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  getOperationAST,
  Kind,
  type SelectionNode,
} from 'graphql';
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

/**
 * Queries and mutations (over HTTP and graphql-ws) executed by their compiled operation,
 * answering as graphql-js would: variables it refuses are refused by graphql-js (same
 * message, same status), and an error a resolver threw gets its place in the document.
 */
export function jitExecutionPlugin(): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => {
        const compiled = compiledOperation(args, COMPILE_AFTER_RUNS);
        if (!compiled) return executeFn(args);
        const answer = (result: ExecutionResult) =>
          // No data at all: the variables were refused before any resolver ran.
          'data' in result ? withLocations(result, args) : executeFn(args);
        const result = compiled.query(args.rootValue, args.contextValue, args.variableValues ?? {});
        return result instanceof Promise ? result.then(answer) : answer(result);
      });
    },
  };
}

/**
 * graphql-jit's errors carry no field nodes (only locations), which masking (it rebuilds
 * an error from its nodes) would lose; graphql-js gives each the node of its field.
 */
function withLocations(result: ExecutionResult, args: ExecutionArgs): ExecutionResult {
  if (!result.errors?.some((error) => !error.nodes && error.path)) return result;
  const errors = result.errors.map((error) => {
    const node = error.nodes || !error.path ? undefined : fieldAt(args, error.path);
    if (!node) return error;
    return new GraphQLError(error.message, {
      nodes: [node],
      path: error.path,
      originalError: error.originalError ?? error,
      extensions: error.extensions,
    });
  });
  return { ...result, errors };
}

/** The field of the operation a response path leads to (list indexes skipped). */
function fieldAt(args: ExecutionArgs, path: ReadonlyArray<string | number>): FieldNode | undefined {
  const fragments = new Map(
    args.document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [],
    ),
  );
  const find = (selections: readonly SelectionNode[], key: string): FieldNode | undefined => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.alias ?? selection.name).value === key) return selection;
        continue;
      }
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      const found = fragment && find(fragment.selectionSet.selections, key);
      if (found) return found;
    }
    return undefined;
  };
  let selections = getOperationAST(args.document, args.operationName)?.selectionSet.selections;
  let field: FieldNode | undefined;
  for (const key of path) {
    if (typeof key === 'number') continue;
    field = selections && find(selections, key);
    selections = field?.selectionSet?.selections;
  }
  return field;
}
