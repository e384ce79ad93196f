// The board pack's drawing port: the document (pages, formatted figures, chart data) in, PDF bytes
// out. pdfkit with the report's font and the e-mail's chart PNGs in the adapter.
import type { BoardPackDocument } from '../domain/board-pack';

export interface BoardPackRenderer {
  renderBoardPack(doc: BoardPackDocument): Promise<Uint8Array>;
}
