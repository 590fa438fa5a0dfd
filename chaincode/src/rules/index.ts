export * from './vocabulary.js';
export * from './error-codes.js';
export * from './consent.js';
export * from './sealed-args.js';
