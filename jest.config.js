/**
 * Every test file runs twice: once on embedded PGlite, once on a real PostgreSQL server
 * (started by test/support/global-setup.ts, or TEST_DATABASE_URL).
 */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/no-console.ts'],
};

export default {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'pglite', setupFiles: ['<rootDir>/test/support/engine-pglite.cjs'] },
    // Pure unit tests touch no database: they run in the first project only.
    {
      ...shared,
      displayName: 'postgres',
      testMatch: ['<rootDir>/test/{integration,e2e}/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/engine-postgres.cjs'],
    },
  ],
};
