import { describe, expect, it } from 'vitest';
import { errorReply, FieldError, refusalOf } from '../../../electron/engine/core/errors';

describe('FieldError and refusalOf', () => {
  it('places a scoped field where the caller says its scope sits', () => {
    const err = new FieldError('lr', 'must be positive', 'optimizer');
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('lr: must be positive');
    expect(refusalOf(err, { optimizer: 'run.optimizer' })).toEqual({
      field: 'run.optimizer.lr',
      message: 'lr: must be positive',
      reason: 'must be positive',
    });
    expect(refusalOf(err, { optimizer: { whole: 'runs' } })).toEqual({
      field: 'runs',
      message: 'lr: must be positive',
      reason: 'lr: must be positive',
    });
    expect(refusalOf(err)?.field).toBe('lr');
  });

  it('names a scope with no field of its own by the scope, and a request as a whole by none', () => {
    const surface = new FieldError(undefined, 'unexpected end', 'surface');
    expect(refusalOf(surface, { surface: 'surface' })?.field).toBe('surface');
    expect(refusalOf(new FieldError(undefined, 'too big'))).toEqual({
      message: 'too big',
      reason: 'too big',
    });
  });

  it('takes errors that carry a field or are of a known kind, and nothing else', () => {
    class Known extends Error {}
    const carried = Object.assign(new Error('bad'), { field: 'x' });
    expect(refusalOf(carried)?.field).toBe('x');
    expect(refusalOf(new Known('no'), {}, [Known])).toEqual({ message: 'no', reason: 'no' });
    expect(refusalOf(new Error('boom'))).toBeUndefined();
    expect(errorReply(new Error('boom'))).toEqual({ message: 'internal error: boom' });
    expect(errorReply(new FieldError('id', 'taken'))).toEqual({ field: 'id', message: 'taken' });
  });
});
