export * from './client';
export * from './rest';
export * from './types';
export * from './updates';
