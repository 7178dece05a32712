/** Two projects: `unit` (mocks, no toolchain, fast) and `e2e` (real engine + local control plane). */
const transform = {
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }],
  // ESM-only packages (below) turned into CommonJS for jest's module system, which cannot load ES
  // modules without --experimental-vm-modules; the platform itself loads them with Node's require(esm)
  "^.+\\.m?js$": [
    "@swc/jest",
    {
      jsc: { parser: { syntax: "ecmascript", importAttributes: true }, target: "es2022" },
      module: { type: "commonjs" },
    },
  ],
};
/** @kubernetes/client-node 2 and the ESM-only packages it imports. */
const esmOnly = [
  "@kubernetes/client-node",
  "openid-client",
  "oauth4webapi",
  "jose",
  "socks-proxy-agent",
  "agent-base",
];
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join("|")})/)`];

module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      transformIgnorePatterns,
      testMatch: ["<rootDir>/test/unit/**/*.test.ts", "<rootDir>/test/policies/**/*.test.ts"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform,
      transformIgnorePatterns,
      testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
      globalSetup: "<rootDir>/test/e2e/globalSetup.ts",
      slowTestThreshold: 300,
    },
  ],
};
