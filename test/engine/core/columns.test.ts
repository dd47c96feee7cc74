import { describe, expect, it } from 'vitest';
import { Column, ColumnStore } from '../../../electron/engine/core/columns';

describe('Column', () => {
  it('grows past its capacity and keeps every value', () => {
    const c = new Column(2);
    for (let i = 0; i < 10; i++) c.push(i);
    c.push2(10, 11);
    c.push3(12, 13, 14);
    expect(Array.from(c.view())).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(c.slice(3, 5)).toEqual(Float64Array.of(3, 4));
  });

  it('assigns a copy of given values, replacing its own', () => {
    const c = new Column(1);
    c.push(7);
    const values = Float64Array.of(1, NaN, 3);
    c.assign(values);
    values[0] = 9;
    expect(Array.from(c.view())).toEqual([1, NaN, 3]);
  });
});

describe('ColumnStore', () => {
  it('keeps columns of different widths a row at a time, sliced by rows', () => {
    const store = new ColumnStore({ xy: { width: 2 }, loss: { width: 1 } }, 1);
    for (let r = 0; r < 5; r++) {
      store.columns.xy.push2(r, -r);
      store.columns.loss.push(r * r);
    }
    expect(store.rows).toBe(5);
    const slice = store.slice(1, 3);
    expect(Object.keys(slice)).toEqual(['xy', 'loss']);
    expect(Array.from(slice.xy)).toEqual([1, -1, 2, -2]);
    expect(Array.from(slice.loss)).toEqual([1, 4]);
    store.truncate(2);
    expect(store.rows).toBe(2);
    expect(store.columns.xy.length).toBe(4);
    store.assign({ xy: [5, 6], loss: [7] });
    expect(store.rows).toBe(1);
    store.clear();
    expect(store.rows).toBe(0);
  });
});
