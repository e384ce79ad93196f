// The demo source: a deterministic, always-current company history in the data contract's shape.
export {
  demoColumns,
  DemoOptionsError,
  MIN_DEMO_ACCOUNTS,
  generateDemoData,
  type DemoData,
  type DemoOptions,
  type DemoRow,
} from './generator';
export { toCsv, writeDemoFiles, type WrittenFile } from './write-files';
