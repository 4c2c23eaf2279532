// Shared jest configuration: swc with legacy decorators and decorator metadata (NestJS DI needs both),
// and the tsconfig path aliases mapped to library sources.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    path.join(__dirname, target),
  ]),
);

const patterns = {
  unit: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'],
  int: ['<rootDir>/**/*.int-spec.ts'],
  e2e: ['<rootDir>/**/*.e2e-spec.ts'],
  faults: ['<rootDir>/**/*.faults-spec.ts'],
};

/** @returns {import('jest').Config} */
function jestConfig(rootDir, kind = 'unit') {
  return {
    rootDir,
    displayName: `${path.relative(__dirname, rootDir)}:${kind}`,
    testEnvironment: 'node',
    testMatch: patterns[kind],
    moduleNameMapper,
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            target: 'es2022',
          },
          module: { type: 'commonjs' },
        },
      ],
    },
    testTimeout: kind === 'unit' ? 10_000 : 120_000,
    ...(kind === 'unit'
      ? {}
      : { globalSetup: path.join(__dirname, 'libs/testing/src/global-setup.ts') }),
  };
}

module.exports = { jestConfig };
