// ESLint's flat config: typescript-eslint's recommended rules and a few of the house style's
// (docs/STYLE in ../shared/STYLE.md): no console in the library, unused names only when marked _, ===.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
    },
  },
  {
    // The explorer (app/) runs in browsers.
    files: ['app/**/*.ts'],
    ignores: ['app/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The library reports through callbacks and errors; only the CLI, benchmarks and scripts print.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
);
