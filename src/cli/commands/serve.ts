import { collectDefaultMetrics } from 'prom-client';
import { noModelMessage } from '../../engine';
import { buildServer } from '../../http';
import { createLogger } from '../../logging';
import { resolveWhipToken } from '../../transport';
import { defaultRegistry } from '../../metrics';
import { ENGINE_OPTIONS } from '../args';
import { CliError, type Command } from '../command';
import { configFrom, openEngine } from '../runtime';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the web app, the API and /metrics (what `npm start` runs)',
  usage: '[--port N] [--host H] [--models DIR] [--device cpu|cuda|tensorrt] [--threads N]',
  options: { ...ENGINE_OPTIONS, port: { type: 'string' }, host: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const config = configFrom(args, io, { port: args.options.port, host: args.options.host });
    const logger = createLogger(config.logLevel, 1);
    collectDefaultMetrics({ register: defaultRegistry });
    const engine = await openEngine(config, logger);
    if (engine.models().length === 0) {
      const message = noModelMessage(config.modelsDir);
      logger.warn({ modelsDir: config.modelsDir }, message);
      io.stderr.write(`toonstream: ${message}\n`);
    }
    const app = buildServer({ config, engine, logger, registry: defaultRegistry });
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      await app.close().catch(() => undefined);
      await engine.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CliError(`port ${config.port} is already in use on ${config.host}; set PORT or --port`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`cannot listen on host "${config.host}" (${code}); set HOST or --host`);
      if (code === 'EACCES') throw new CliError(`no permission to listen on port ${config.port}; use a port above 1023`);
      throw error;
    }
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
    logger.info({ url, device: engine.device }, 'toonstream is serving');
    const whip = resolveWhipToken();
    io.stdout.write(
      whip.generated
        ? `toonstream: WHIP/WHEP (${url}/whip, ${url}/whep) bearer token for this run: ${whip.token} (set TOONSTREAM_WHIP_TOKEN to choose one)\n`
        : `toonstream: WHIP/WHEP (${url}/whip, ${url}/whep) take the bearer token in TOONSTREAM_WHIP_TOKEN\n`,
    );

    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // Requests in flight get a few seconds to finish; then open connections (browsers keep
      // spare ones, event streams never end) are cut, and a hung close still cannot block exit.
      setTimeout(() => app.server.closeAllConnections(), 5_000).unref();
      setTimeout(() => process.exit(1), 10_000).unref();
      void app
        .close()
        .then(() => engine.close())
        .then(() => process.exit(0));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    return 0;
  },
};
