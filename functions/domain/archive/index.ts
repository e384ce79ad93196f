// The finance archive, pure parts: extracts, spreadsheet-safe CSV/XLSX, the pack layout and its
// manifest, download tokens and the index pages.
export * from './csv';
export * from './download-page';
export * from './embed';
export * from './extracts';
export * from './index-page';
export * from './layout';
export * from './manifest';
export * from './movements';
export * from './pack';
export * from './table';
export * from './token';
export * from './xlsx';
export * from './access';
export * from './access-page';
export * from './session';
