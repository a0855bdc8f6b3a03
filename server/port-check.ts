import { createServer } from 'node:net';
import { ConfigError } from '../config/config-error.js';

/**
 * Fails fast, before the database is opened and data loaded, when the hub could not listen where the
 * environment says: a port in use or one that needs privileges is named with the variable to change.
 * Port 0 (any free port) always passes. The port is released again at once; the hub binds it later.
 */
export async function assertPortAvailable(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(portProblem(error, port, host));
    });
    probe.listen({ port, host, exclusive: true }, () =>
      probe.close(() => {
        resolve();
      }),
    );
  });
}

function portProblem(error: NodeJS.ErrnoException, port: number, host: string): Error {
  if (error.code === 'EADDRINUSE') return new ConfigError(`PORT ${port} on ${host} is in use by another process: stop that process or set PORT to a free port`);
  if (error.code === 'EACCES') return new ConfigError(`PORT ${port} on ${host} needs privileges this process lacks: set PORT to 1024 or above`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return new ConfigError(`HOST ${host} is not an address of this machine: set HOST to one (127.0.0.1, or 0.0.0.0 for every interface)`);
  return error;
}
