// The board pack as a PDF, drawn with pdfkit (no browser: it runs in the weekly-report Lambda) in the
// report's font (Inter, the charts' TTF, embedded and subset by pdfkit) with the e-mail's charts as
// PNGs (charts.ts). Everything it prints comes formatted from the document
// (functions/domain/board-pack): this module only places it. A4 landscape, one section per page
// (a long table continues on the next page under the same title), "Page n of N" in the footer.
import PDFDocument from 'pdfkit';
import type {
  BoardBlock,
  BoardChartId,
  BoardPackDocument,
  FigureItem,
  TableColumn,
  TableRow,
} from '../../domain/board-pack';
import { chartMarkers, HEATMAP_TEXT, type CohortHeatmap } from '../../domain/report';
import type { BoardPackRenderer } from '../../ports/board-pack-renderer';
import { createChartRenderer, loadChartFont, type Chart, type ChartRenderer } from './charts';

export interface BoardPackRendererOptions {
  /** A chart renderer to reuse (default: one is created). */
  charts?: ChartRenderer;
  /** Where `chart-font.ttf(.br)` and `resvg.wasm(.br)` are (in Lambda: beside the bundle). */
  assetsDir?: string;
}

const PAGE = { width: 841.89, height: 595.28, margin: 40 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BODY_TOP = 92;
const BODY_BOTTOM = PAGE.height - 44;
const INK = {
  title: '#111827',
  text: '#1f2937',
  muted: '#6b7280',
  rule: '#d1d5db',
  faint: '#eef0f3',
  card: '#f8f9fb',
  cardBorder: '#e5e7eb',
  accent: '#4c6fbf',
};
const TONE = { good: '#17784a', bad: '#b42a26', neutral: '#6b7280' } as const;
const FONT = 'Inter';

type Doc = PDFKit.PDFDocument;

export async function createBoardPackRenderer(opts: BoardPackRendererOptions = {}): Promise<BoardPackRenderer> {
  const [font, charts] = await Promise.all([
    loadChartFont(opts.assetsDir),
    opts.charts
      ? Promise.resolve(opts.charts)
      : createChartRenderer(opts.assetsDir ? { assetsDir: opts.assetsDir } : {}),
  ]);
  return { renderBoardPack: (doc) => renderBoardPack(doc, Buffer.from(font), charts) };
}

async function renderCharts(d: BoardPackDocument, charts: ChartRenderer): Promise<Record<BoardChartId, Chart>> {
  const c = d.charts;
  const { currency, locale } = c;
  const points = c.trend.map((t) => ({ label: t.label, values: { arr: t.arr, nrr: t.nrr, grr: t.grr } }));
  // One at a time: rasterising is CPU-bound.
  const waterfall = await charts.arrWaterfall(
    {
      open: c.bridge.open,
      new: c.bridge.new,
      reactivation: c.bridge.reactivation,
      expansion: c.bridge.expansion,
      contraction: c.bridge.contraction,
      churn: c.bridge.churn,
      fx: c.bridge.fx,
      close: c.bridge.close,
    },
    { currency, locale, title: `ARR bridge, ${d.quarter.label}`, subtitle: c.bridgeSubtitle },
  );
  const arrTrend = await charts.trendLines(points, [{ key: 'arr', name: 'Closing ARR', format: 'money' }], {
    currency,
    locale,
    title: 'Closing ARR, 13 weeks',
    subtitle: c.trendSubtitle,
    markers: chartMarkers(c.annotations, ['arr']),
  });
  const retention = await charts.trendLines(
    points,
    [
      { key: 'nrr', name: 'NRR', format: 'percent' },
      { key: 'grr', name: 'GRR', format: 'percent' },
    ],
    {
      currency,
      locale,
      title: 'Net and gross revenue retention',
      subtitle: c.trendSubtitle,
      markers: chartMarkers(c.annotations, ['nrr', 'grr']),
    },
  );
  return { waterfall, arrTrend, retention };
}

export async function renderBoardPack(d: BoardPackDocument, font: Buffer, charts: ChartRenderer): Promise<Uint8Array> {
  const images = await renderCharts(d, charts);
  // `font` replaces pdfkit's default Helvetica, whose metrics files a bundle does not carry.
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: PAGE.margin,
    autoFirstPage: false,
    bufferPages: true,
    font: font as unknown as string,
    info: {
      Title: d.title,
      Author: d.companyName,
      Subject: d.subtitle,
      Creator: 'Pulse',
      Producer: 'Pulse (pdfkit)',
      CreationDate: new Date(d.generatedAt),
    },
  });
  doc.registerFont(FONT, font);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });

  for (const page of d.pages) {
    let y = newPage(doc, d, page.title);
    const blocks = page.blocks;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i]!;
      // Two charts in a row sit side by side.
      if (block.kind === 'chart' && blocks[i + 1]?.kind === 'chart') {
        const next = blocks[i + 1] as Extract<BoardBlock, { kind: 'chart' }>;
        const w = (CONTENT_WIDTH - 16) / 2;
        const h = Math.min(chartHeight(images[block.chart], w), BODY_BOTTOM - y);
        doc.image(images[block.chart].png, PAGE.margin, y, { fit: [w, h] });
        doc.image(images[next.chart].png, PAGE.margin + w + 16, y, { fit: [w, h] });
        y += h + 12;
        i++;
        continue;
      }
      y = drawBlock(doc, d, page.title, block, y, images);
    }
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.font(FONT).fontSize(8).fillColor(INK.muted);
    const footer = `${d.title} · generated ${d.generatedAt.slice(0, 10)} by Pulse`;
    doc.text(footer, PAGE.margin, PAGE.height - 30, { width: CONTENT_WIDTH / 2, lineBreak: false });
    doc.text(`Page ${i + 1} of ${range.count}`, PAGE.margin + CONTENT_WIDTH / 2, PAGE.height - 30, {
      width: CONTENT_WIDTH / 2,
      align: 'right',
      lineBreak: false,
    });
  }
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

function chartHeight(chart: Chart, width: number): number {
  return (chart.height * width) / chart.width;
}

/** A new page with the pack's title line and the section's title; returns where the body starts. */
function newPage(doc: Doc, d: BoardPackDocument, title: string): number {
  // No bottom margin for pdfkit: this module places every line itself (pdfkit would start a page
  // for the footer, which sits below the body).
  doc.addPage({
    size: 'A4',
    layout: 'landscape',
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: 0 },
  });
  doc
    .font(FONT)
    .fontSize(9)
    .fillColor(INK.muted)
    .text(`${d.title} · ${d.subtitle}`, PAGE.margin, PAGE.margin - 8, { width: CONTENT_WIDTH, lineBreak: false });
  doc
    .fontSize(20)
    .fillColor(INK.title)
    .text(title, PAGE.margin, PAGE.margin + 12, { width: CONTENT_WIDTH, lineBreak: false });
  doc
    .moveTo(PAGE.margin, BODY_TOP - 12)
    .lineTo(PAGE.width - PAGE.margin, BODY_TOP - 12)
    .lineWidth(1)
    .strokeColor(INK.accent)
    .stroke();
  return BODY_TOP;
}

function drawBlock(
  doc: Doc,
  d: BoardPackDocument,
  pageTitle: string,
  block: BoardBlock,
  y: number,
  images: Record<BoardChartId, Chart>,
): number {
  switch (block.kind) {
    case 'figures':
      return drawFigures(doc, block.items, y);
    case 'heading': {
      doc.font(FONT).fontSize(12).fillColor(INK.title);
      const h = doc.heightOfString(block.text, { width: CONTENT_WIDTH });
      if (y + h + 24 > BODY_BOTTOM) y = newPage(doc, d, `${pageTitle} (continued)`);
      doc.text(block.text, PAGE.margin, y + 6, { width: CONTENT_WIDTH });
      return y + h + 14;
    }
    case 'text': {
      doc
        .font(FONT)
        .fontSize(block.muted ? 9 : 10.5)
        .fillColor(block.muted ? INK.muted : INK.text);
      const h = doc.heightOfString(block.text, { width: CONTENT_WIDTH, lineGap: 2 });
      if (y + h > BODY_BOTTOM) y = newPage(doc, d, `${pageTitle} (continued)`);
      doc.text(block.text, PAGE.margin, y, { width: CONTENT_WIDTH, lineGap: 2 });
      return y + h + 10;
    }
    case 'chart': {
      const chart = images[block.chart];
      const w = Math.min(CONTENT_WIDTH * 0.66, 520);
      let h = chartHeight(chart, w);
      if (y + h > BODY_BOTTOM) y = newPage(doc, d, `${pageTitle} (continued)`);
      h = Math.min(h, BODY_BOTTOM - y);
      doc.image(chart.png, PAGE.margin, y, { fit: [w, h] });
      return y + h + 12;
    }
    case 'table':
      return drawTable(doc, d, pageTitle, block.columns, block.rows, y);
    case 'heatmap':
      return drawHeatmap(doc, block.heatmap, y);
  }
}

function drawFigures(doc: Doc, items: FigureItem[], y: number): number {
  const perRow = 3;
  const gap = 12;
  const w = (CONTENT_WIDTH - gap * (perRow - 1)) / perRow;
  const h = 70;
  items.forEach((item, i) => {
    const x = PAGE.margin + (i % perRow) * (w + gap);
    const top = y + Math.floor(i / perRow) * (h + gap);
    doc.rect(x, top, w, h).lineWidth(0.75).fillAndStroke(INK.card, INK.cardBorder);
    doc
      .font(FONT)
      .fontSize(8)
      .fillColor(INK.muted)
      .text(item.label.toUpperCase(), x + 12, top + 9, { width: w - 24, lineBreak: false, characterSpacing: 0.4 });
    doc
      .fontSize(19)
      .fillColor(INK.title)
      .text(item.value, x + 12, top + 21, { width: w - 24, lineBreak: false });
    if (item.change)
      doc
        .fontSize(9)
        .fillColor(TONE[item.tone])
        .text(item.change, x + 12, top + 45, { width: w - 24, lineBreak: false });
    doc
      .fontSize(8)
      .fillColor(INK.muted)
      .text(item.note, x + 12, top + 57, { width: w - 24, lineBreak: false });
  });
  return y + Math.ceil(items.length / perRow) * (h + gap) + 4;
}

function drawTable(
  doc: Doc,
  d: BoardPackDocument,
  pageTitle: string,
  columns: TableColumn[],
  rows: TableRow[],
  y: number,
): number {
  const pad = 6;
  const widths = columns.map((c) => c.width * CONTENT_WIDTH);
  const xs = widths.map((_, i) => PAGE.margin + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const header = (top: number): number => {
    doc.font(FONT).fontSize(8).fillColor(INK.muted);
    columns.forEach((c, i) =>
      doc.text(c.label.toUpperCase(), xs[i]! + (i ? pad : 0), top, {
        width: widths[i]! - pad - (i ? pad : 0),
        align: c.align,
        lineBreak: false,
        characterSpacing: 0.3,
      }),
    );
    doc
      .moveTo(PAGE.margin, top + 13)
      .lineTo(PAGE.margin + CONTENT_WIDTH, top + 13)
      .lineWidth(0.75)
      .strokeColor(INK.rule)
      .stroke();
    return top + 18;
  };
  if (y + 40 > BODY_BOTTOM) y = newPage(doc, d, `${pageTitle} (continued)`);
  y = header(y);
  for (const row of rows) {
    doc.font(FONT).fontSize(9.5);
    const h =
      Math.max(...row.cells.map((t, i) => doc.heightOfString(t || ' ', { width: widths[i]! - pad - (i ? pad : 0) }))) +
      7;
    if (y + h > BODY_BOTTOM) y = header(newPage(doc, d, `${pageTitle} (continued)`));
    if (row.strong)
      doc
        .moveTo(PAGE.margin, y - 2)
        .lineTo(PAGE.margin + CONTENT_WIDTH, y - 2)
        .lineWidth(0.9)
        .strokeColor('#9ca3af')
        .stroke();
    row.cells.forEach((t, i) => {
      doc
        .fillColor(row.strong ? INK.title : INK.text)
        .text(t, xs[i]! + (i ? pad : 0), y + 2, { width: widths[i]! - pad - (i ? pad : 0), align: columns[i]!.align });
    });
    y += h;
    doc
      .moveTo(PAGE.margin, y - 2)
      .lineTo(PAGE.margin + CONTENT_WIDTH, y - 2)
      .lineWidth(0.5)
      .strokeColor(INK.faint)
      .stroke();
  }
  return y + 10;
}

function drawHeatmap(doc: Doc, heatmap: CohortHeatmap, y: number): number {
  const labelW = 80;
  const custW = 70;
  const cellW = (CONTENT_WIDTH - labelW - custW) / heatmap.ages.length;
  const cellH = 26;
  doc.font(FONT).fontSize(8).fillColor(INK.muted);
  doc.text('COHORT', PAGE.margin, y, { width: labelW, lineBreak: false });
  doc.text('CUSTOMERS', PAGE.margin + labelW, y, { width: custW - 8, align: 'right', lineBreak: false });
  heatmap.ages.forEach((age, i) =>
    doc.text(`M${age}`, PAGE.margin + labelW + custW + i * cellW, y, {
      width: cellW,
      align: 'center',
      lineBreak: false,
    }),
  );
  y += 14;
  for (const row of heatmap.rows) {
    doc
      .font(FONT)
      .fontSize(9.5)
      .fillColor(INK.text)
      .text(row.label, PAGE.margin, y + 8, { width: labelW, lineBreak: false });
    doc.text(String(row.customers), PAGE.margin + labelW, y + 8, {
      width: custW - 8,
      align: 'right',
      lineBreak: false,
    });
    row.cells.forEach((cell, i) => {
      const x = PAGE.margin + labelW + custW + i * cellW;
      if (cell.value === null) return;
      doc.rect(x + 1, y + 1, cellW - 2, cellH - 2).fill(cell.background);
      doc
        .fillColor(HEATMAP_TEXT)
        .fontSize(9.5)
        .text(`${cell.text}%`, x, y + 8, { width: cellW, align: 'center', lineBreak: false });
    });
    y += cellH;
  }
  y += 10;
  let x = PAGE.margin;
  doc.fontSize(8);
  for (const step of heatmap.legend) {
    const w = doc.widthOfString(step.label) + 14;
    doc.rect(x, y, w, 14).fill(step.background);
    doc.fillColor(HEATMAP_TEXT).text(step.label, x + 7, y + 3, { lineBreak: false });
    x += w + 6;
  }
  return y + 26;
}
