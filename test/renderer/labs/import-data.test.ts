/**
 * The import's page side: the preview parses as the engine will (BOM dropped, quoted commas,
 * CRLF, only whole lines of a large file's first 64 kB), numeric columns are told from
 * categories, and importData() opens the import with a dropped file.
 */
import { describe, expect, it } from 'vitest';
import {
  dataImport,
  importData,
  isTableFile,
  numericColumn,
  previewCsv,
} from '../../../renderer/src/lib/labs/network/import-data.svelte';

describe('the CSV import', () => {
  it('previews the header and first rows as the engine reads them', async () => {
    const file = new File(['\uFEFFa,"b, c",label\r\n1,2,x\r\n\r\n3,"4",y\r\n'], 'f.csv');
    const p = await previewCsv(file);
    expect(p.header).toEqual(['a', 'b, c', 'label']);
    expect(p.rows).toEqual([
      ['1', '2', 'x'],
      ['3', '4', 'y'],
    ]);
    expect(numericColumn(p, 0)).toBe(true);
    expect(numericColumn(p, 1)).toBe(true);
    expect(numericColumn(p, 2)).toBe(false);
  });

  it('previews a large file from whole lines of its start', async () => {
    // 100,000 rows (1.3 MB): the 64 kB slice ends mid-line, which must not become a row.
    const rows = Array.from({ length: 100_000 }, (_, i) => `${i},${i * 0.5},t${i % 3}`);
    const big = new File(['x,y,t\n' + rows.join('\n')], 'big.csv');
    const first = await previewCsv(big, 3);
    expect(first.rows).toEqual([
      ['0', '0', 't0'],
      ['1', '0.5', 't1'],
      ['2', '1', 't2'],
    ]);
    // Every row the slice holds: the last is whole, as in the file.
    const all = await previewCsv(big, 100_000);
    expect(all.rows.length).toBeGreaterThan(3000);
    expect(all.rows.length).toBeLessThan(100_000);
    expect(all.rows.at(-1)).toEqual(rows[all.rows.length - 1].split(','));
    const tabs = await previewCsv(new File(['x\ty\n1\t2\n'], 't.tsv'));
    expect(tabs.delimiter).toBe('\t');
    expect(tabs.header).toEqual(['x', 'y']);
  });

  it('importData() opens the import, with a dropped file when there is one', () => {
    const file = new File(['a,b\n1,2\n'], 'mine.csv');
    importData(file);
    expect(dataImport.open).toBe(true);
    expect(dataImport.file).toBe(file);
    expect(isTableFile('mine.CSV')).toBe(true);
    expect(isTableFile('session.losslab')).toBe(false);
  });
});
