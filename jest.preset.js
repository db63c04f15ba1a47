// Shared jest settings: every workspace's jest.config.js spreads this.
// ts-jest transpiles only (isolatedModules, set in its tsconfig as ts-jest 29.2+ asks); type errors are caught by `tsc` in build and lint.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node', isolatedModules: true } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  reporters: ['default', path.join(__dirname, 'scripts', 'jest-summary-reporter.js')],
};
