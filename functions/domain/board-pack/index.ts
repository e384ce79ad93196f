// The quarter-end board pack: its pages and figures as a document (the PDF is drawn by an adapter).
export {
  boardPackFileName,
  boardPackFromData,
  buildBoardPack,
  type BoardBlock,
  type BoardChartId,
  type BoardCharts,
  type BoardPackDocument,
  type BoardPackFromDataOptions,
  type BoardPackInput,
  type BoardPage,
  type FigureItem,
  type TableColumn,
  type TableRow,
} from './layout';
