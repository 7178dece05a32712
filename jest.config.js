/** Two projects: `unit` (mocks, no toolchain, fast) and `e2e` (real engine + local control plane). */
const transform = {
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }],
};

module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/unit/**/*.test.ts", "<rootDir>/test/policies/**/*.test.ts"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
      globalSetup: "<rootDir>/test/e2e/globalSetup.ts",
      slowTestThreshold: 300,
    },
  ],
};
