/**
 * Where `c360 import` wrote the reports and rejected-rows files of its local
 * imports (next to the input, or in --reports DIR): one JSON line per import
 * in `<dataDir>/imports/outputs.jsonl`, so that a local erasure can find and
 * rewrite them wherever they are, as the deployed one rewrites `reports/`.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const localImportsDir = (dataDir: string): string => join(dataDir, 'imports');
const manifest = (dataDir: string) => join(localImportsDir(dataDir), 'outputs.jsonl');

/** Records the files one import wrote (absolute paths). */
export async function recordImportOutputs(dataDir: string, files: readonly string[]): Promise<void> {
  if (files.length === 0) return;
  await mkdir(localImportsDir(dataDir), { recursive: true });
  await appendFile(manifest(dataDir), JSON.stringify({ files: files.map((f) => resolve(f)) }) + '\n');
}

/** Every file recorded, once. */
export async function importOutputs(dataDir: string): Promise<string[]> {
  const text = await readFile(manifest(dataDir), 'utf8').catch(() => '');
  const files = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { files?: unknown };
      if (Array.isArray(entry.files)) for (const f of entry.files) if (typeof f === 'string') files.add(f);
    } catch {
      // A line cut short by a crash: the others still count.
    }
  }
  return [...files];
}
