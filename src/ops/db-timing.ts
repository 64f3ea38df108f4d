import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { Histogram } from 'prom-client';

/**
 * Times every query from compilation to result. Kysely gives each query an id object, so
 * a WeakMap keyed by it forgets queries that failed (transformResult never runs for them).
 */
export function dbTimingPlugin(histogram: Histogram): KyselyPlugin {
  const started = new WeakMap<object, number>();
  return {
    transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
      started.set(queryId, performance.now());
      return node;
    },
    async transformResult({
      result,
      queryId,
    }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const at = started.get(queryId);
      if (at !== undefined) histogram.observe((performance.now() - at) / 1000);
      return result;
    },
  };
}
