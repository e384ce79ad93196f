// Where `pulse annotate` puts a note: the store (the report and the pack read it from there) or a
// folder of contract files (`annotations.csv`, read by `pulse kpis --data` and `pulse forecast --data`).
import type { Annotation } from '../domain/contract/entities';

export interface AnnotationLog {
  /** Adds the note (the same date, metric and text again changes nothing); returns where it went. */
  append(annotation: Annotation): Promise<string>;
}
