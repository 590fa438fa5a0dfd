import type { Context } from 'fabric-contract-api';
import { SEALED_ARGS } from '../rules/sealed-args.js';
import { unsealArguments } from './sealed-contract.js';

function contextWith(transient: Record<string, string>): Context {
  const map = new Map(Object.entries(transient).map(([k, v]) => [k, Buffer.from(v)]));
  return { stub: { getTransient: () => map } } as unknown as Context;
}

describe('sealed arguments', () => {
  it('takes the sealed arguments in place of the empty public placeholders', () => {
    expect(unsealArguments(contextWith({ [SEALED_ARGS]: '["pat-1","rec_1"]' }), ['', ''])).toEqual(['pat-1', 'rec_1']);
  });

  it('keeps public arguments when nothing is sealed (evaluations, older clients)', () => {
    expect(unsealArguments(contextWith({}), ['pat-1'])).toEqual(['pat-1']);
  });

  it.each([
    ['a public argument beside sealed ones', '["pat-1"]', ['pat-2'], /either public or sealed/],
    ['fewer sealed arguments than the function takes', '["pat-1"]', ['', ''], /must be 2 strings/],
    ['a sealed argument that is not a string', '["pat-1", 7]', ['', ''], /must be 2 strings/],
    ['sealed arguments that are not JSON', 'pat-1', [''], /not JSON/],
  ])('refuses %s', (_name, sealed, publicArgs, message) => {
    expect(() => unsealArguments(contextWith({ [SEALED_ARGS]: sealed }), publicArgs)).toThrow(message);
  });
});
