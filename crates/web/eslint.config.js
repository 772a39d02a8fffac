// ESLint (flat config) for the web client's modules and its end-to-end test. No plugin or
// shared config: the rules are listed here, and `tsc --checkJs` catches undefined names.

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

export default [
  {
    files: ['app/js/**/*.js'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: common,
  },
  {
    files: ['../../interop/web/**/*.cjs'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'commonjs' },
    rules: { ...common, 'no-console': 'off' },
  },
];
