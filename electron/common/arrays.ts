/**
 * The typed arrays bulk numbers travel and are saved in: their element types (dtypes), the
 * bytes each takes and the typed array each reads into. Frames carry them, session files store
 * them as raw little-endian bytes.
 */

/** Element types of the binary arrays, all little-endian. */
export const arrayDtypes = ['f64', 'f32', 'i16', 'u32', 'i32', 'u8'] as const;
export type ArrayDtype = (typeof arrayDtypes)[number];

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<ArrayDtype, number> = {
  f64: 8,
  f32: 4,
  i16: 2,
  u32: 4,
  i32: 4,
  u8: 1,
};

/** The typed array each dtype reads into. */
export interface TypedArrayOf {
  f64: Float64Array;
  f32: Float32Array;
  i16: Int16Array;
  u32: Uint32Array;
  i32: Int32Array;
  u8: Uint8Array;
}
export type SessionTypedArray = TypedArrayOf[ArrayDtype];
