// aws-ses-v2-local (the SES emulator, v1 and v2 APIs, web viewer at /, JSON at /store) in its own
// process: it keeps one message store per process. Started by lib/local/emulators.ts as
//   node ses-child.mjs '{"port":0}'
// Prints `PULSE_READY {"port":<n>}` once listening on 127.0.0.1; exits on SIGTERM/SIGINT or when its
// stdin closes (the parent is gone).
import { createServer } from 'node:net';
import ses from 'aws-ses-v2-local';

const { port = 0 } = JSON.parse(process.argv[2] ?? '{}');

// aws-ses-v2-local answers some bad requests twice (e.g. GET /get-emlContent with an unknown id:
// a 400, then a second send that throws ERR_HTTP_HEADERS_SENT inside a promise), which would end
// the process. One bad request must not take the emulator (and every later send) down.
process.on('unhandledRejection', (err) =>
  console.error('ses-child: ignored error in a request handler:', err?.message ?? err),
);

// aws-ses-v2-local resolves even when listen fails (Express 5 passes the error to a callback it
// ignores), so check the port first to report a precise reason.
if (port !== 0) {
  await new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err) => {
      console.error(`ses-child: could not listen on 127.0.0.1:${port}: ${err.code ?? ''} ${err.message}`);
      process.exit(1);
    });
    probe.listen(port, '127.0.0.1', () => probe.close(resolve));
  });
}

const start = typeof ses === 'function' ? ses : ses.default;
const server = await start({ host: '127.0.0.1', port });
const address = server.address();
if (!server.listening || address === null || typeof address === 'string') {
  console.error(`ses-child: could not listen on 127.0.0.1:${port}`);
  process.exit(1);
}
process.stdout.write(`PULSE_READY ${JSON.stringify({ port: address.port })}\n`);

let closing = false;
function shutdown(code) {
  if (closing) return;
  closing = true;
  server.closeAllConnections?.();
  server.close(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.stdin.on('end', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.resume();
