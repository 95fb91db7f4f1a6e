// Test settings shared by every package: one place to change timeouts and reporters.
export function sharedTestConfig(name) {
  return {
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      pool: 'forks',
      reporters: ['default', 'json'],
      outputFile: { json: '.test-results/results.json' },
    },
  };
}
