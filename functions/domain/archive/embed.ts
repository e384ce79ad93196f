// The report as sent, made self-contained for the archive: inline images the email references as
// `cid:<id>` become data: URIs, so report.html shows its charts when opened from S3 or a disk.

export interface EmbeddableImage {
  cid: string;
  contentType: string;
  content: Uint8Array;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces every `cid:<id>` of the given images (in src/href attributes or CSS url()) with a data: URI. */
export function embedInlineImages(html: string, images: readonly EmbeddableImage[]): string {
  let out = html;
  for (const img of images) {
    const uri = `data:${img.contentType};base64,${Buffer.from(img.content).toString('base64')}`;
    out = out.replace(new RegExp(`cid:${escapeRegExp(img.cid)}(?=["')\\s>])`, 'g'), uri);
  }
  return out;
}
