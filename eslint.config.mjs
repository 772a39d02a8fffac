// ESLint (flat config) for the web client's modules (crates/web/app) and its end-to-end test.
// No plugin or shared config: the rules are listed here, and `tsc --checkJs` catches undefined
// names in the modules.

const common = {
  'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
  'no-eval': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
  'no-script-url': 'error',
  'no-var': 'error',
  'prefer-const': 'error',
  eqeqeq: 'error',
  curly: 'error',
  'no-console': ['error', { allow: ['error'] }],
  'no-restricted-properties': ['error',
    { property: 'innerHTML', message: 'Build elements with dom.js h(); HTML only through sanitize.js.' },
    { property: 'outerHTML', message: 'Build elements with dom.js h().' },
    { property: 'insertAdjacentHTML', message: 'Build elements with dom.js h().' },
    { object: 'document', property: 'write', message: 'Never.' }],
  'no-duplicate-imports': 'error',
  'no-self-compare': 'error',
  'no-template-curly-in-string': 'error',
  'no-unreachable-loop': 'error',
  'no-constructor-return': 'error',
};

// At the repository's root because ESLint lints no file outside its configuration's directory,
// and the end-to-end test in interop/web takes the same rules. The tools are crates/web's
// (package.json): `eslint -c eslint.config.mjs crates/web/app interop/web` from here.
export default [
  {
    files: ['crates/web/app/js/**/*.js'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: common,
  },
  {
    files: ['crates/web/test/**/*.js'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: { ...common, 'no-console': 'off' },
  },
  {
    files: ['interop/web/**/*.cjs'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'commonjs' },
    rules: { ...common, 'no-console': 'off' },
  },
];
