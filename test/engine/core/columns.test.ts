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

  it('takes values written in place through its buffer, within reserved room', () => {
    const c = new Column(1);
    c.push(1);
    c.reserve(3);
    const b = c.buffer;
    b[1] = 2;
    b[2] = 3;
    b[3] = 4;
    c.resize(4);
    expect(Array.from(c.view())).toEqual([1, 2, 3, 4]);
    c.resize(2);
    expect(Array.from(c.view())).toEqual([1, 2]);
    expect(() => c.resize(b.length + 1)).toThrow(RangeError);
    expect(() => c.resize(-1)).toThrow(RangeError);
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
    store.reserve(2);
    store.columns.xy.buffer.set([5, -5, 6, -6], 10);
    store.columns.loss.buffer.set([25, 36], 5);
    store.resize(7);
    expect(store.rows).toBe(7);
    expect(Array.from(store.slice(5).loss)).toEqual([25, 36]);
    store.truncate(2);
    expect(store.rows).toBe(2);
    expect(store.columns.xy.length).toBe(4);
    store.assign({ xy: [5, 6], loss: [7] });
    expect(store.rows).toBe(1);
    store.clear();
    expect(store.rows).toBe(0);
  });
});
