const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@lumino/',
  '@microsoft',
  '@marijn',
  'exenv-es6',
  'color',
  'marked',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  setupFiles: ['<rootDir>/src/__tests__/setup.js'],
  testMatch: ['<rootDir>/src/**/__tests__/**/*.spec.ts?(x)'],
  transform: {
    '\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    '\\.jsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  },
  moduleNameMapper: {
    '\\.(css|less|sass|scss)$': '<rootDir>/src/__tests__/styleMock.js',
    '\\.svg$': '<rootDir>/src/__tests__/svgMock.js'
  },
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
  testPathIgnorePatterns: ['/lib/', '/node_modules/', '/ui-tests/'],
  reporters: ['default']
};
