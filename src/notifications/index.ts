export * from './events';
export * from './notices';
export * from './notifier';
