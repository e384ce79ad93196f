// Loopback ports: a free one chosen by the kernel, or a requested one checked before use.
import { createServer } from 'node:net';
import { EMULATOR_LABEL, LocalStackError, type EmulatorName } from './errors';

export const HOST = '127.0.0.1';

function bind(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: HOST, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port that was free a moment ago (bind port 0 on 127.0.0.1, then release it). */
export async function freePort(emulator: EmulatorName): Promise<number> {
  try {
    return await bind(0);
  } catch (err) {
    throw new LocalStackError(
      'PORT_UNAVAILABLE',
      `No free port on ${HOST} for ${EMULATOR_LABEL[emulator]}: ${(err as Error).message}`,
      {
        emulator,
        cause: err,
      },
    );
  }
}

/** Throws PORT_UNAVAILABLE unless `port` can be bound on 127.0.0.1 right now. */
export async function assertPortFree(port: number, emulator: EmulatorName): Promise<void> {
  try {
    await bind(port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'is already in use'
        : code === 'EACCES'
          ? 'needs privileges to bind'
          : `cannot be bound (${code ?? (err as Error).message})`;
    throw new LocalStackError(
      'PORT_UNAVAILABLE',
      `Port ${port} on ${HOST} ${why}, so ${EMULATOR_LABEL[emulator]} cannot start there. Stop whatever uses it, or leave the port unset to pick a free one.`,
      { emulator, cause: err },
    );
  }
}
