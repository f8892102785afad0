import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import type { ImportReport } from '../../lambda/collection/core/import-report';
import type { OutgoingRecord } from '../../lambda/collection/ports';
import { importFile, importSettings } from '../../lambda/collection/usecases/import-file';
import raw from '../../c360.config';

const root = join(import.meta.dirname, '..', '..');
const config = parseConfig(raw);
const settings = importSettings(config);
const mapped = Object.entries(config.collection.sources)
  .filter(([, s]) => s.file !== undefined)
  .map(([name]) => name);

/** What each shipped sample holds: its rows, all sent, and the one invalid identifier it shows the warning for. */
const expected: Record<string, { rows: number; warning: string }> = {
  crm: { rows: 5, warning: 'column "email" is not a valid email address (left out)' },
  pos: { rows: 5, warning: 'column "phone" is not a valid phone number (left out)' },
  support: { rows: 4, warning: 'column "email" is not a valid email address (left out)' },
  consent: { rows: 5, warning: 'column "email" is not a valid email address (left out)' },
};

async function importSample(source: string): Promise<{ report: ImportReport; sent: OutgoingRecord[]; rejects: string }> {
  const file = join(root, 'samples', `${source}.csv`);
  const sent: OutgoingRecord[] = [];
  let rejects = '';
  const report = await importFile(
    { key: `landing/${source}/${source}.csv`, body: createReadStream(file), fileTime: (await stat(file)).mtimeMs },
    {
      settings,
      events: { put: async (records) => (sent.push(...records), { calls: 1, retried: 0 }) },
      rejects: {
        open: () => ({ location: 'mem://rejects', write: async (t) => void (rejects += t), close: async () => {}, abort: async () => {} }),
      },
      reports: { location: 'mem://report', put: async () => {} },
    },
  );
  return { report, sent, rejects };
}

describe('the shipped sample files', () => {
  it('include one CSV per configured source with a file mapping', () => {
    expect(mapped.length).toBeGreaterThan(0);
    expect(Object.keys(expected).sort()).toEqual([...mapped].sort());
  });

  for (const source of mapped) {
    it(`samples/${source}.csv imports cleanly: every row applied, one invalid identifier shown as a warning`, async () => {
      const want = expected[source];
      if (want === undefined) throw new Error(`no expectation for samples/${source}.csv`);
      const { report, sent, rejects } = await importSample(source);
      expect(report).toMatchObject({ status: 'completed', rowsRead: want.rows, sent: want.rows, rejected: 0, duplicates: 0, unsent: 0, rowsWithWarnings: 1 });
      expect(report.rowWarnings).toEqual({ [want.warning]: 1 });
      expect(report.warnings).toEqual([]);
      expect(sent).toHaveLength(want.rows);
      // The rejects file holds its header only.
      expect(rejects.trim().split('\n')).toHaveLength(1);
    });
  }

  it("the start banner's import hint names a shipped sample and its source", async () => {
    const cli = await readFile(join(root, 'bin', 'c360.ts'), 'utf8');
    const hint = /bin\/c360\.ts import (samples\/([a-z-]+)\.csv) --source ([a-z-]+)/.exec(cli);
    expect(hint).not.toBeNull();
    const [, path, fileSource, source] = hint as RegExpExecArray;
    expect(fileSource).toBe(source);
    expect(mapped).toContain(source);
    await expect(stat(join(root, path as string))).resolves.toBeDefined();
  });
});
