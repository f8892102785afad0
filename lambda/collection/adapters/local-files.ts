/**
 * The import's rejects file and report on the local disk (the RejectsSink and
 * ReportSink ports), for `c360 import`: next to the input file, or in a folder.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { basename, join } from 'node:path';
import type { ImportReport } from '../core/import-report';
import type { FileFormat } from '../contracts/landing';
import type { RejectsSink, RejectsWriter, ReportSink } from '../ports';

/** A file written as it is produced (the RejectsWriter port); `write` waits for the stream to drain. */
export class FileWriter implements RejectsWriter {
  private readonly out;

  constructor(readonly location: string) {
    this.out = createWriteStream(location);
  }

  async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    this.out.end();
    await finished(this.out);
  }

  async abort(): Promise<void> {
    this.out.destroy();
    await rm(this.location, { force: true });
  }
}

/** Rejects and report of `file`, in `dir`: `<name>.rejects.<csv|jsonl>`, `<name>.report.json`. */
export function fileSinks(dir: string, file: string): { rejects: RejectsSink; reports: ReportSink } {
  const base = join(dir, basename(file));
  const reportPath = `${base}.report.json`;
  return {
    rejects: { open: (format: FileFormat) => new FileWriter(`${base}.rejects.${format}`) },
    reports: {
      location: reportPath,
      put: (report: ImportReport) => writeFile(reportPath, JSON.stringify(report, null, 2) + '\n'),
    },
  };
}
