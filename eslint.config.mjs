import tseslint from "typescript-eslint";
import jest from "eslint-plugin-jest";
import pulumi from "@pulumi/eslint-plugin";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["node_modules/**", ".platform/**", "coverage/**", "dist/**", "tools/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "max-lines": ["error", { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ["test/**/*.ts"],
    ...jest.configs["flat/recommended"],
    rules: {
      ...jest.configs["flat/recommended"].rules,
      "jest/valid-expect": "error",
      "jest/no-disabled-tests": "error",
      "jest/no-focused-tests": "error",
      "jest/expect-expect": ["error", { assertFunctionNames: ["expect", "expect*"] }],
      "max-lines": "off",
    },
  },
  { files: ["**/*.js", "**/*.mjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
  prettier,
);
