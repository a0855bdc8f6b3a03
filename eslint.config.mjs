// The code's own checks: typescript-eslint's strict type-checked rules, plus the rules that encode the layout.
// Arrows point one way: server → schema → domain folders → store; config is a leaf that imports no domain value.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const DOMAIN = ['access', 'audit', 'credit', 'ingestion', 'connectors', 'jobs', 'inspections', 'repair'];
const HUB_CODE = ['server', 'schema', 'store', 'config', ...DOMAIN];

/** Forbids value imports from the named top-level folders (type-only imports stay allowed: a type is not a dependency at run time). */
const mayNotImport = (folders, why, paths = []) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths,
      patterns: folders.map((folder) => ({
        regex: `^(\\.\\./)+${folder}/`,
        message: `${why} (layout: server → schema → domain folders → store; config imports no domain value).`,
        allowTypeImports: true,
      })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'test-output/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers in messages ("row 12", "3 records") are what people read; every other type must be made a string on purpose.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // The rule overflows the stack inside TypeScript's type relation on this code base (typescript-eslint 8, grant-paths test).
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-non-null-assertion': 'error',
      // `const { omitted: _, ...rest } = value` is how a copy without one property is written.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      'no-console': 'error',
    },
  },
  {
    files: [`{${HUB_CODE.join(',')}}/**/*.ts`, 'console/**/*.{ts,tsx}', 'scripts/**/*.ts', 'bench/**/*.ts'],
    ignores: ['config/env.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read the environment in config/env.ts only.' }],
    },
  },
  { files: ['config/**/*.ts'], rules: mayNotImport(['server', 'schema', 'store', ...DOMAIN], 'config is a leaf') },
  { files: ['store/**/*.ts'], rules: mayNotImport(['server', 'schema', ...DOMAIN], 'store is the bottom layer') },
  { files: DOMAIN.map((folder) => `${folder}/**/*.ts`), rules: mayNotImport(['server', 'schema'], 'a domain folder may not reach up') },
  { files: ['schema/**/*.ts'], rules: mayNotImport(['server'], 'schema may not reach up to server') },
  {
    files: ['console/**/*.{ts,tsx}'],
    rules: mayNotImport(['server', 'schema', 'store', ...DOMAIN], 'the console is a client of the public API', [
      // The package root makes esbuild put every page's components into the first chunk (about 1 MB).
      { name: 'antd', message: 'Import each component from antd/es/<component>, so a page chunk carries only what it uses.', allowTypeImports: true },
    ]),
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly', module: 'writable', require: 'readonly' } } },
);
