import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start in-process DynamoDB and Kinesis; CDK tests synthesize stacks.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
