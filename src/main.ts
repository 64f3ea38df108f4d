import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

const SHUTDOWN_LIMIT_MS = 10_000;

try {
  const app = await startApp(loadConfig());
  app.logger.info(
    { url: app.url, wsUrl: app.wsUrl },
    `Switchboard listening on ${app.url} (GraphiQL in a browser, graphql-ws on ${app.wsUrl})`,
  );
  const shutdown = (signal: string) => {
    app.logger.info({ signal }, 'shutting down');
    // Exit 0 even if a connection hangs: SEMANTICS gives shutdown 10 s.
    setTimeout(() => process.exit(0), SHUTDOWN_LIMIT_MS).unref();
    // SEMANTICS: exit 0 within the limit even if a step fails; the log says which.
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error({ err: error }, 'shutdown step failed');
        process.exit(0);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  console.error(error instanceof ConfigError ? `configuration: ${error.message}` : error);
  process.exit(1);
}
