// Fetch one pack from the archive and check every file against its manifest (size and SHA-256).
import {
  MANIFEST_NAME,
  parsePackLabel,
  periodPrefix,
  versionPrefix,
  versionsIn,
  verifyAgainstManifest,
  type PackManifest,
} from '../domain/archive';
import type { ArchiveStore } from '../ports/archive';
import { ArchiveError, readManifest } from './archive-week';

export interface FetchedPack {
  manifest: PackManifest;
  manifestBody: Uint8Array;
  /** Every complete version of the pack (the fetched one included). */
  versions: number[];
  files: { name: string; body: Uint8Array }[];
  missing: string[];
  mismatched: string[];
}

/**
 * The latest complete version of a pack (`2026-W47`, `FY2027-Q1`), or the given version. Throws
 * ArchiveError BAD_INPUT when there is no such pack.
 */
export async function fetchPack(
  archive: ArchiveStore,
  label: string,
  opts: { version?: number } = {},
): Promise<FetchedPack> {
  let ref: ReturnType<typeof parsePackLabel>;
  try {
    ref = parsePackLabel(label);
  } catch (e) {
    throw new ArchiveError('BAD_INPUT', (e as Error).message, { cause: e });
  }
  const { complete } = versionsIn(ref, await archive.list(periodPrefix(ref)));
  if (complete.length === 0) throw new ArchiveError('BAD_INPUT', `the archive has no complete pack for ${label}`);
  const version = opts.version ?? complete.at(-1)!;
  if (!complete.includes(version))
    throw new ArchiveError(
      'BAD_INPUT',
      `${label} has no complete version ${version} (versions: ${complete.join(', ')})`,
    );
  const manifestKey = `${versionPrefix(ref, version)}${MANIFEST_NAME}`;
  const manifest = await readManifest(archive, manifestKey);
  const manifestBody = (await archive.get(manifestKey))!;
  const bodies = new Map<string, Uint8Array>();
  await Promise.all(
    manifest.files.map(async (f) => {
      const body = await archive.get(f.key);
      if (body) bodies.set(f.name, body);
    }),
  );
  const { missing, mismatched } = verifyAgainstManifest(manifest, bodies);
  return {
    manifest,
    manifestBody,
    versions: complete,
    files: manifest.files.filter((f) => bodies.has(f.name)).map((f) => ({ name: f.name, body: bodies.get(f.name)! })),
    missing,
    mismatched,
  };
}
