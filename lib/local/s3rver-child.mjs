// s3rver (the S3 emulator) in its own process, started by lib/local/emulators.ts as
//   node --openssl-legacy-provider s3rver-child.mjs '{"port":0,"directory":"/abs/dir"}'
// (s3rver's ListObjectsV2 continuation tokens use the DES cipher, which OpenSSL 3 keeps in its
// legacy provider). Prints `PULSE_READY {"port":<n>}` once listening on 127.0.0.1; exits on
// SIGTERM/SIGINT or when its stdin closes (the parent is gone).
import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

const { port = 0, directory } = JSON.parse(process.argv[2] ?? '{}');
if (!directory) {
  console.error('s3rver-child: missing "directory"');
  process.exit(2);
}
mkdirSync(directory, { recursive: true });

const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
let closing = false;
async function shutdown(code) {
  if (closing) return;
  closing = true;
  try {
    await server.close();
  } catch {}
  process.exit(code);
}

try {
  const address = await server.run();
  process.stdout.write(`PULSE_READY ${JSON.stringify({ port: address.port })}\n`);
} catch (err) {
  console.error(
    `s3rver-child: could not listen on 127.0.0.1:${port}: ${err?.code ? `${err.code} ` : ''}${err?.message ? err.message : err}`,
  );
  process.exit(1);
}

process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
process.stdin.on('end', () => void shutdown(0));
process.stdin.on('error', () => void shutdown(0));
process.stdin.resume();
