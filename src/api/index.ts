export * from './client';
export * from './columns';
export * from './rest';
export * from './types';
export * from './updates';
