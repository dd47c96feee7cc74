/**
 * Your own data end to end: a CSV file dropped on the window is previewed, given its columns'
 * roles, streamed to the engine and trained on; its landscape is computed; a bad cell is
 * refused by row and column; a large file shows its progress and can be cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasStats, loadApp, openApp, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openApp({ viewport: { width: 1600, height: 1000 } });
  await loadApp(h);
  await h.page.getByRole('tab', { name: 'Network lab' }).click();
  await h.page.getByTestId('net-summary').waitFor({ timeout: 60_000 });
});
afterAll(() => h?.close());

const text = async (locator: { textContent(): Promise<string | null> }) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

const netStep = async () =>
  Number(/step (\d+)/.exec((await h.page.getByTestId('net-step-count').textContent()) ?? '')?.[1]);

/** Three species told apart by three measurements and a colour (a category): 300 rows. */
function flowers(): string {
  const lines = ['length,width,height,colour,species'];
  for (let i = 0; i < 300; i++) {
    const s = i % 3;
    const wobble = Math.sin(i * 12.9898) * 0.4;
    lines.push(
      `${(1 + s + wobble).toFixed(3)},${(2 - s * 0.5 + Math.cos(i) * 0.3).toFixed(3)},` +
        `${(0.5 * s + Math.sin(i * 3.1) * 0.6).toFixed(3)},${['red', 'blue'][i % 2]},` +
        `"${['setosa', 'versicolor', 'virginica'][s]}"`,
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

const dialog = () => h.page.getByRole('dialog', { name: 'Import data' });

describe('your own data', () => {
  it('a dropped CSV is previewed, imported, trained on, and its landscape computed', async () => {
    // A drop on the window, as a file manager's would be.
    await h.page.evaluate((content) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([content], 'flowers.csv', { type: 'text/csv' }));
      for (const type of ['dragover', 'drop']) {
        window.dispatchEvent(
          new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      }
    }, flowers());
    await dialog().waitFor();
    const preview = h.page.getByTestId('csv-preview');
    await preview.waitFor();
    expect(await preview.locator('tbody tr').count()).toBe(8);
    expect(await preview.locator('thead th').allTextContents()).toEqual([
      'length',
      'width',
      'height',
      'colour',
      'species',
    ]);
    // The last column is the target; the text column is proposed for one-hot encoding.
    expect(await dialog().getByRole('combobox', { name: 'Target column' }).inputValue()).toBe(
      'species',
    );
    expect(
      await dialog().getByRole('checkbox', { name: 'One-hot encode colour' }).isChecked(),
    ).toBe(true);
    expect(
      await dialog().getByRole('checkbox', { name: 'One-hot encode length' }).isChecked(),
    ).toBe(false);
    await h.shot('csv-import-preview');
    await dialog().getByRole('button', { name: 'Use this data' }).click();
    await dialog().waitFor({ state: 'hidden', timeout: 60_000 });
    // 3 species; 70/15/15 of 300 rows; 3 measurements + 2 colours in, 3 classes out.
    await expect
      .poll(() => text(h.page.getByTestId('net-summary')))
      .toMatch(/^3 classes · 210\/45\/45 train\/validation\/test/);
    expect(await text(h.page.locator('details.setup summary'))).toContain('flowers.csv');

    const button = h.page.getByTestId('net-play-pause');
    await button.click();
    const deadline = Date.now() + 120_000;
    while ((await netStep()) < 150 && Date.now() < deadline) await h.page.waitForTimeout(250);
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Train');
    // Five inputs have no plane: the data view is the confusion matrix of the validation rows.
    const matrix = h.page.getByRole('table', { name: 'Confusion matrix of the validation rows' });
    await matrix.waitFor();
    expect(await matrix.locator('thead th').allTextContents()).toEqual([
      'true ↓ predicted →',
      'setosa',
      'versicolor',
      'virginica',
    ]);
    const score = await text(h.page.getByTestId('table-score').first());
    const right = Number(/^(\d+) of 45 validation rows right/.exec(score)?.[1]);
    // The species are well apart: most validation rows are right after 150 steps.
    expect(right).toBeGreaterThan(30);

    const settings = h.page.getByRole('form', { name: 'Landscape settings' });
    await settings.getByRole('combobox', { name: 'Landscape resolution' }).selectOption('21');
    await settings.getByRole('button', { name: 'Compute landscape' }).click();
    await h.page.getByTestId('landscape-result').waitFor({ timeout: 120_000 });
    await h.page.waitForTimeout(800);
    const contour = await canvasStats(h.page, '[data-testid="landscape-contour"] canvas');
    expect(contour.colors).toBeGreaterThan(30);
    await h.shot('csv-trained-landscape');

    // The form rebuilds the imported table with another network (not a built-in set).
    await h.page.locator('details.setup summary').click();
    const form = h.page.getByRole('form', { name: 'Dataset and model' });
    const dataset = form.getByRole('combobox', { name: 'Dataset' });
    expect(await dataset.inputValue()).toBe('table');
    expect(await dataset.locator('option:checked').textContent()).toBe('flowers.csv (imported)');
    await form.getByRole('spinbutton', { name: 'Width' }).fill('8');
    await form.getByRole('button', { name: 'Rebuild data and network' }).click();
    await expect
      .poll(() => text(h.page.getByTestId('net-summary')))
      .toMatch(/^3 classes · 210\/45\/45 train\/validation\/test · 147 parameters/);
    await h.page.locator('details.setup summary').click();
  }, 300_000);

  it('refuses a non-numeric cell by row and column', async () => {
    await h.page.getByRole('button', { name: 'Import data…' }).click();
    await dialog().waitFor();
    await dialog()
      .getByLabel('Choose a CSV or TSV file')
      .setInputFiles({
        name: 'broken.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('a,b,y\n1,2,0\n3,4,1\n5,n/a,0\n7,8,1\n'),
      });
    await h.page.getByTestId('csv-preview').waitFor();
    // The preview's cell is text, so b is proposed for one-hot: ask for numbers instead.
    await dialog().getByRole('checkbox', { name: 'One-hot encode b' }).uncheck();
    await dialog().getByRole('button', { name: 'Use this data' }).click();
    const alert = dialog().getByRole('alert');
    await expect
      .poll(() => text(alert))
      .toBe(
        'broken.csv: row 4, column 2 ("b"): the cell holds "n/a", not a number (tick its One-hot box to encode its values)',
      );
    await h.shot('csv-import-refused');
  }, 120_000);

  it('shows a large file’s progress and cancels it', async () => {
    if (!(await dialog().isVisible())) {
      await h.page.getByRole('button', { name: 'Import data…' }).click();
      await dialog().waitFor();
    }
    // About 30 MB: eight parts, each read by the engine before the next is sent. Made in the
    // page (a buffer that large through setInputFiles outlasts the timeout).
    await h.page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('dialog input[type="file"]')!;
      const row = '0.25,1.5,2.75,3.125,0\n';
      const transfer = new DataTransfer();
      transfer.items.add(new File(['a,b,c,d,y\n' + row.repeat(1_400_000)], 'big.csv'));
      input.files = transfer.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await expect.poll(() => text(dialog().locator('.hint'))).toMatch(/^big\.csv · 30\.8 MB$/);
    await h.page.getByTestId('csv-preview').waitFor();
    await dialog().getByRole('button', { name: 'Use this data' }).click();
    const bar = dialog().getByRole('progressbar', { name: 'Reading the file' });
    await bar.waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => Number(await bar.getAttribute('value')), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await h.shot('csv-import-progress');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => text(dialog().getByRole('alert'))).toBe('the import was cancelled');
    await bar.waitFor({ state: 'hidden' });
    await dialog().getByRole('button', { name: 'Close' }).first().click();
    await dialog().waitFor({ state: 'hidden' });
  }, 120_000);
});
