// A validated demo dataset for the report tests.
import type { Dataset } from '../../../functions/domain/contract/validate';
import { validatedDemoDataset } from '../../support/demo-dataset';

export function demoDataset(opts: { seed?: number; accounts?: number; endDate?: string } = {}): Dataset {
  return validatedDemoDataset(opts);
}
